"""Sixteen terminals at once against one credit limit never pass it together
(BACKOFFICE §8): the check and the invoice are in the checkout's one
transaction. A real server; with two processes the worker hands the
checkout to the primary (edge/serving/primary_writes.py)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from tests.support.live import api_call
from tests.support.live_box import LiveBox

LINE = {"name": "Palette", "quantity": "1", "unit_price": 1000, "vat_rate_bp": 1900}


@pytest.mark.parametrize("workers", [1, 2], ids=["one-process", "two-processes"])
def test_16_terminals_at_once_never_pass_the_limit(tmp_path, workers):
    box = LiveBox(tmp_path, workers)
    cid = box.customer(70001, credit_limit=10500)  # room for 10 invoices of 1000
    box.start()
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def terminal() -> None:
        start.wait()
        for _ in range(2):
            body = {"customer_id": cid, "lines": [LINE], "tenders": [{"type": "invoice"}]}
            status, data, _ = api_call(box.port, box.token, "POST", "/checkouts", body)
            with lock:
                answers.append((status, data))

    try:
        threads = [threading.Thread(target=terminal) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        box.stop()
    ok = [d for s, d in answers if s == 201]
    refused = [d for s, d in answers if s != 201]
    assert len(ok) == 10, [s for s, _ in answers]
    assert {d["code"] for d in refused} == {"credit_limit_exceeded"}
    assert all(d["credit_limit"] == 10500 and d["open"] == 10000 for d in refused)
    conn = sqlite3.connect(box.db)
    (owed,) = conn.execute(
        "SELECT sum(principal) FROM invoices WHERE customer_id = ?", [int(cid)]
    ).fetchone()
    numbers = sorted(r[0] for r in conn.execute("SELECT number FROM invoices"))
    conn.close()
    assert owed == 10000 <= 10500
    assert numbers == sorted(d["invoice_number"] for d in ok)
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, 11))
