"""BACKOFFICE §8 numbers: sequential and gapless per box, given inside the
issuing transaction, the sequence restarting each year when the format
names the year; never skipped, never given twice — also under 200
concurrent issues."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date

import pytest

from edge.invoices import book
from edge.invoices.numbering import take_number
from edge.money.basket import LineIn
from edge.platform.actor import Actor
from edge.platform.clock import now_iso
from edge.platform.config import ConfigError, load_config
from edge.platform.migrations import apply

LINE = LineIn(name="Kaffee", quantity="2", unit_price=1190, vat_rate_bp=1900)


@pytest.fixture
def conn(tmp_path):
    apply(tmp_path / "n.db")
    c = sqlite3.connect(tmp_path / "n.db", isolation_level=None)
    yield c
    c.close()


def test_the_default_format_restarts_each_year(conn):
    fmt = "RE-{year}-{seq:05d}"
    got = [take_number(conn, fmt, date(2026, 12, 31)) for _ in range(3)]
    got.append(take_number(conn, fmt, date(2027, 1, 1)))
    got.append(take_number(conn, fmt, date(2027, 1, 2)))
    assert got == ["RE-2026-00001", "RE-2026-00002", "RE-2026-00003", "RE-2027-00001",
                   "RE-2027-00002"]  # fmt: skip


def test_a_format_without_the_year_never_restarts(conn):
    fmt = "{seq:06d}"
    assert take_number(conn, fmt, date(2026, 12, 31)) == "000001"
    assert take_number(conn, fmt, date(2027, 1, 1)) == "000002"


def test_a_rolled_back_issue_gives_its_number_back(conn):
    fmt = "RE-{year}-{seq:05d}"
    conn.execute("BEGIN")
    assert take_number(conn, fmt, date(2026, 5, 1)) == "RE-2026-00001"
    conn.execute("ROLLBACK")
    assert take_number(conn, fmt, date(2026, 5, 1)) == "RE-2026-00001"


@pytest.mark.parametrize("bad", ["RE-{year}", "RE-{month}-{seq}", "RE-{seq:xx}", "RE-{seq"])
def test_a_format_that_cannot_number_is_refused_at_start(bad):
    with pytest.raises(ConfigError, match=r"invoices\.number_format"):
        load_config(overrides={"invoices.number_format": bad}, environ={})


def test_200_concurrent_issues_get_1_to_200_without_gaps(box, house):
    cid = house()
    actor = Actor("t", now_iso())
    drafts = [
        box.db.write(lambda c: book.create_draft(c, box.config, actor, cid, [LINE]))
        for _ in range(200)
    ]
    numbers: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(200)

    def issue(invoice_id: int) -> None:
        start.wait()
        number = box.db.write(
            lambda c: book.issue(c, box.config, Actor("t", now_iso()), invoice_id)
        )
        with lock:
            numbers.append(number)

    threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    year = book.box_date(box.config, now_iso()).year
    assert sorted(numbers) == [f"RE-{year}-{i:05d}" for i in range(1, 201)]
    with box.db.reader() as c:
        stored = [r[0] for r in c.execute("SELECT number FROM invoices ORDER BY number")]
    assert stored == sorted(numbers)
