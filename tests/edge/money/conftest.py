from __future__ import annotations

import itertools
from typing import Any

import pytest

from edge.platform.config import load_config
from edge.serving.primary_writes import PrimaryWrites, WritesServer

_numbers = itertools.count(50000)


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    """Override per test with ``@pytest.mark.parametrize("config_overrides", [{...}])``."""
    return {}


@pytest.fixture
def config(tmp_path, config_overrides):
    # Bonus tiers as in SPEC §3: the highest `from` <= amount applies to the whole amount.
    overrides = {
        "box.data_dir": str(tmp_path / "data"),
        "ledger.topup_bonus": [{"from": 0, "rate_bp": 0}, {"from": 5000, "rate_bp": 1000}],
    }
    overrides.update(config_overrides)
    return load_config(overrides=overrides, environ={})


@pytest.fixture(params=["in-process", "via-primary"])
def writes_in(request, box, tmp_path):
    """Run a module's money tests twice: committed by the app itself (one
    process) and sent over the real socket to a primary (with API workers,
    edge/primary_writes.py); here the primary's side runs on the same box.
    Use with ``pytestmark = pytest.mark.usefixtures("writes_in")``."""
    if request.param == "in-process":
        yield request.param
        return
    server = WritesServer(box, tmp_path / "writes.sock")
    server.start()
    box.services["primary_writes"] = PrimaryWrites(tmp_path / "writes.sock")
    yield request.param
    del box.services["primary_writes"]
    server.stop()


@pytest.fixture
def new_customer(box):
    """Insert a customer row directly: these tests are about money, not master data."""

    def make(**fields: Any) -> str:
        values = {
            "customer_number": next(_numbers),
            "type": "individual",
            "display_name": "Müller, Thomas",
            "last_name": "Müller",
            "created_at": "2026-01-01T00:00:00Z",
            "created_by": "test",
            "updated_at": "2026-01-01T00:00:00Z",
            "updated_by": "test",
        }
        values.update(fields)
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)

        def insert(conn):
            return conn.execute(
                f"INSERT INTO customers ({cols}) VALUES ({marks})", list(values.values())
            ).lastrowid

        return str(box.db.write(insert))

    return make


@pytest.fixture
def group(box):
    def make(pct: int | None) -> int:
        return box.db.write(
            lambda conn: (
                conn.execute(
                    "INSERT INTO customer_groups (name, default_discount_percent, created_at,"
                    " updated_at) VALUES (?, ?, 'x', 'x')",
                    [f"g{next(_numbers)}", pct],
                ).lastrowid
            )
        )

    return make


def journal_count(box) -> int:
    return box.db.reader().execute("SELECT count(*) FROM journal").fetchone()[0]


def checkout(pos, cid, receipt_no, lines, *, tenders=None, **extra):
    """``POST /checkouts`` of ``lines`` for customer ``cid``, paid by credit unless
    ``tenders`` says otherwise; the response."""
    body = {"customer_id": cid, "receipt_no": receipt_no, "lines": lines, **extra}
    body["tenders"] = [{"type": "credit"}] if tenders is None else tenders
    return pos.post("/checkouts", body)


def refused(pos, box, path, body, code):
    """``POST path`` must be a 409 ``code`` that writes no journal entry; the problem body."""
    before = journal_count(box)
    r = pos.post(path, body)
    assert r.status_code == 409, r.json
    assert r.json["code"] == code
    assert journal_count(box) == before
    return r.json
