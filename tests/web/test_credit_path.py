"""The panel's money forms book through the API's operation path: the form's
nonce is a durable idempotency key in the staff member's scope, and limits,
bonus tiers and refusals are the API's own (web/credit.py,
edge/money/operations.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from edge import create_app
from edge.platform.box import Box
from edge.platform.config import Config, load_config
from tests.support.panel import Panel, add_user, balances, make_customer

TIERS = [{"from": 0, "rate_bp": 0}, {"from": 5000, "rate_bp": 1000}]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    overrides = {
        "box.data_dir": str(tmp_path / "data"),
        "ledger.topup_bonus": TIERS,
        "ledger.max_topup": 20000,
    }
    return load_config(overrides=overrides, environ={})


def operations(box: Box, cid: int) -> list[tuple[str, int, str]]:
    rows = box.db.reader().execute(
        "SELECT kind, amount, actor FROM operations WHERE customer_id = ? ORDER BY id", [cid]
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def key_row(box: Box, scope: str, key: str) -> Any:
    return (
        box.db.reader()
        .execute(
            "SELECT status, response FROM idempotency_keys WHERE scope = ? AND key = ?",
            [scope, key],
        )
        .fetchone()
    )


def flashed(panel: Panel, resp: Any) -> str:
    """The page a booking redirects to, with its flashed message."""
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return panel.text(resp.headers["Location"])


@contextmanager
def running(config: Config) -> Iterator[tuple[Flask, Box]]:
    """A box and its app, closed at the end: a start and a stop of the service."""
    app = create_app(config)
    app.config["TESTING"] = True
    box: Box = app.extensions["tilledge"]
    try:
        yield app, box
    finally:
        box.close()


def logged_in(app: Flask, name: str) -> Panel:
    panel = Panel(app.test_client())
    panel.login(name)
    return panel


def test_a_form_posted_twice_books_once_under_a_durable_key(cashier: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    form = {"amount": "60", "nonce": "form-1"}
    first = flashed(cashier, cashier.post(f"/customers/{cid}/topup", form))
    again = flashed(cashier, cashier.post(f"/customers/{cid}/topup", form))  # double click
    message = "Topped up €60.00, €6.00 bonus granted."
    assert message in first and message in again  # the replay shows the same outcome
    assert balances(staff, cid) == (6000, 600, 0)
    assert operations(staff, cid) == [("topup", 6000, "user:cara")]
    row = key_row(staff, "user:cara", "form-1")
    assert row["status"] == 201 and json.loads(row["response"])["bonus_granted"] == 600
    entries = staff.db.reader().execute("SELECT actor FROM journal WHERE customer_id = ?", [cid])
    assert [r[0] for r in entries] == ["user:cara", "user:cara"]  # top-up and its bonus


def test_the_same_form_after_a_restart_books_once(config: Config) -> None:
    with running(config) as (app, box):
        add_user(box, "cara", "cashier")
        add_user(box, "max", "manager")
        cid = make_customer(box)
        page = flashed(
            cashier := logged_in(app, "cara"),
            cashier.post(f"/customers/{cid}/topup", {"amount": "20", "nonce": "before-restart"}),
        )
        assert "Topped up €20.00." in page
        refused = logged_in(app, "max").post(
            f"/customers/{cid}/payout", {"amount": "50", "nonce": "too-much"}
        )
        assert refused.status_code == 422
        assert "Not enough credit." in refused.get_data(as_text=True)
    with running(config) as (app, box):
        page = flashed(
            cashier := logged_in(app, "cara"),
            cashier.post(f"/customers/{cid}/topup", {"amount": "20", "nonce": "before-restart"}),
        )
        assert "Topped up €20.00." in page
        assert balances(box, cid) == (2000, 0, 0)
        cashier.post(f"/customers/{cid}/topup", {"amount": "40", "nonce": "after-restart"})
        assert balances(box, cid) == (6000, 0, 0)  # enough for the payout now …
        again = logged_in(app, "max").post(
            f"/customers/{cid}/payout", {"amount": "50", "nonce": "too-much"}
        )
        # … but the form was answered: a refusal is remembered like a success.
        assert again.status_code == 422
        assert "Not enough credit." in again.get_data(as_text=True)
        assert [op[:2] for op in operations(box, cid)] == [("topup", 2000), ("topup", 4000)]


def test_a_terminal_with_the_same_key_string_is_not_affected(
    cashier: Panel, staff: Box, pos: Any
) -> None:
    cid = make_customer(staff)
    cashier.post(f"/customers/{cid}/topup", {"amount": "20", "nonce": "shared-key"})
    resp = pos.post(f"/customers/{cid}/topups", {"amount": 2000}, idem="shared-key")
    assert resp.status_code == 201 and "Idempotent-Replayed" not in resp.headers
    assert balances(staff, cid) == (4000, 0, 0)
    assert operations(staff, cid) == [
        ("topup", 2000, "user:cara"),
        ("topup", 2000, "terminal:1 till-1"),
    ]
    assert key_row(staff, "user:cara", "shared-key") is not None
    assert key_row(staff, "terminal:1", "shared-key") is not None
    again = flashed(
        cashier, cashier.post(f"/customers/{cid}/topup", {"amount": "20", "nonce": "shared-key"})
    )
    assert "Topped up €20.00." in again and balances(staff, cid) == (4000, 0, 0)


def test_a_changed_form_under_a_used_nonce_books_nothing(cashier: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    cashier.post(f"/customers/{cid}/topup", {"amount": "20", "nonce": "edited"})
    resp = cashier.post(f"/customers/{cid}/topup", {"amount": "30", "nonce": "edited"})
    assert resp.status_code == 302 and balances(staff, cid) == (2000, 0, 0)


def _same_but_ids(stored: dict[str, Any], answered: dict[str, Any]) -> None:
    differ = {"customer_id"}  # the two customers' ids, where a refusal names one
    assert {k: v for k, v in stored.items() if k not in differ} == {
        k: v for k, v in answered.items() if k not in differ
    }


@pytest.mark.parametrize(
    ("form", "data", "body", "code"),
    [
        ("topup", {"amount": "250"}, {"amount": 25000}, "limit_exceeded"),
        ("payout", {"amount": "50"}, {"amount": 5000}, "insufficient_funds"),
        (
            "correction",
            {"account": "bonus", "amount": "-1,00", "reason": "x"},
            {"account": "bonus", "amount": -100, "reason": "x"},
            "insufficient_funds",
        ),
    ],
)
def test_refusals_are_the_apis(
    manager_panel: Panel,
    staff: Box,
    manager: Any,
    form: str,
    data: dict[str, str],
    body: dict[str, Any],
    code: str,
) -> None:
    by_panel, by_api = make_customer(staff), make_customer(staff)
    shown = manager_panel.post(f"/customers/{by_panel}/{form}", {**data, "nonce": form})
    assert shown.status_code == 422
    stored = json.loads(key_row(staff, "user:max", form)["response"])
    route = {"topup": "topups", "payout": "payouts", "correction": "corrections"}[form]
    answered = manager.post(f"/customers/{by_api}/{route}", body).get_json()
    assert stored["code"] == answered["code"] == code
    _same_but_ids(stored, answered)
    assert balances(staff, by_panel) == balances(staff, by_api) == (0, 0, 0)


def test_blocked_customers_and_bonus_tiers_are_the_apis(
    cashier: Panel, staff: Box, pos: Any
) -> None:
    by_panel, by_api = make_customer(staff), make_customer(staff)
    cashier.post(f"/customers/{by_panel}/topup", {"amount": "50", "nonce": "tier"})
    api_body = pos.post(f"/customers/{by_api}/topups", {"amount": 5000}).get_json()
    stored = json.loads(key_row(staff, "user:cara", "tier")["response"])
    assert stored["bonus_granted"] == api_body["bonus_granted"] == 500
    assert balances(staff, by_panel) == balances(staff, by_api) == (5000, 500, 0)
    staff.db.write(
        lambda c: c.execute("UPDATE customers SET blocked = 1, lock_text = 'Hausverbot'")
    )
    resp = cashier.post(f"/customers/{by_panel}/topup", {"amount": "5", "nonce": "blocked"})
    assert resp.status_code == 422
    assert "The customer is blocked: Hausverbot" in resp.get_data(as_text=True)
    stored = json.loads(key_row(staff, "user:cara", "blocked")["response"])
    answered = pos.post(f"/customers/{by_api}/topups", {"amount": 500}).get_json()
    assert stored["code"] == answered["code"] == "customer_blocked"
    _same_but_ids(stored, answered)
    assert balances(staff, by_panel) == (5000, 500, 0)


def test_a_booking_in_an_api_worker_goes_to_the_primary(
    config: Config, staff: Box, tmp_path: Path
) -> None:
    from edge.serving.primary_writes import PrimaryWrites, WritesServer

    cid = make_customer(staff)
    server = WritesServer(staff, tmp_path / "writes.sock")
    server.start()
    worker_box = Box.open(config, migrate=False)  # as edge.serving.workers.worker_app
    worker_box.services["primary_writes"] = PrimaryWrites(server.path)
    try:
        panel = logged_in(create_app(box=worker_box), "cara")
        before, its_own = staff.db.writer.operations, worker_box.db.writer.operations
        form = {"amount": "60", "nonce": "via-primary"}
        assert "€6.00 bonus granted." in flashed(panel, panel.post(f"/customers/{cid}/topup", form))
        assert "€6.00 bonus granted." in flashed(panel, panel.post(f"/customers/{cid}/topup", form))
        assert staff.db.writer.operations == before + 2  # the booking and its replay
        assert worker_box.db.writer.operations == its_own  # no money of its own
    finally:
        worker_box.close()
        server.stop()
    assert operations(staff, cid) == [("topup", 6000, "user:cara")]
