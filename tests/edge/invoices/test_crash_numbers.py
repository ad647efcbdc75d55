"""SIGKILL in a loop of invoice issues: after each restart the numbers are
still gapless (BACKOFFICE §8, GoBD) and every acknowledged invoice is there
exactly once. Eight terminals check out with invoice tenders against a real
server that is killed at a random moment, as in tests/edge/money/test_crash.py;
answers lost in a crash are retried with the same key after the restart."""

from __future__ import annotations

import http.client
import os
import random
import sqlite3
import threading
import uuid

import pytest

from tests.support.live import api_call
from tests.support.live_box import LiveBox, kill_loop

CYCLES = int(os.environ.get("TILLEDGE_CRASH_CYCLES", "8"))
LINE = {"name": "Sack Zement", "quantity": "1", "unit_price": 950, "vat_rate_bp": 1900}


@pytest.mark.slow
def test_sigkill_while_issuing_leaves_the_numbers_gapless(tmp_path):
    box = LiveBox(tmp_path)
    customers = [box.customer(80000 + i) for i in range(4)]
    rng = random.Random(17)
    sent: dict[str, dict] = {}
    answers: dict[str, tuple[int, dict]] = {}
    lock = threading.Lock()

    def post(key: str) -> tuple[int, dict]:
        status, data, _ = api_call(box.port, box.token, "POST", "/checkouts", sent[key], key)
        return status, data

    def terminal(seed: int, stop: threading.Event) -> None:
        r = random.Random(seed)
        while not stop.is_set():
            key = str(uuid.uuid4())
            with lock:
                sent[key] = {"customer_id": r.choice(customers), "lines": [LINE],
                             "tenders": [{"type": "invoice"}]}  # fmt: skip
            try:
                status, data = post(key)
            except (OSError, http.client.HTTPException):
                return
            with lock:
                answers[key] = (status, data)

    def retry_unanswered() -> None:
        for key in [k for k in sent if k not in answers]:
            answers[key] = post(key)

    kill_loop(box, CYCLES, rng, terminal, retry_unanswered, seconds=(0.2, 0.8))
    box.start()
    retry_unanswered()
    box.stop()

    assert {s for s, _ in answers.values()} == {201}
    acknowledged = [d["invoice_number"] for _, d in answers.values()]
    assert len(acknowledged) == len(set(acknowledged)) > CYCLES * 3
    conn = sqlite3.connect(box.db)
    numbers = [r[0] for r in conn.execute("SELECT number FROM invoices ORDER BY id")]
    (checkouts,) = conn.execute(
        "SELECT count(*) FROM operations WHERE kind = 'checkout'"
    ).fetchone()
    conn.close()
    year = numbers[0].split("-")[1]
    assert sorted(numbers) == [f"RE-{year}-{i:05d}" for i in range(1, len(numbers) + 1)]
    assert sorted(numbers) == sorted(acknowledged)  # none lost, none unacknowledged
    assert checkouts == len(numbers)
