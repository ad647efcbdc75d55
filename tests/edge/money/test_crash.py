"""Kill -9 under load: nothing acknowledged is lost, nothing is applied twice.

The real server runs as a subprocess; 8 client threads send top-ups and
payments (each with its own Idempotency-Key, some retried on purpose) while
the test SIGKILLs the server at a random moment, 20 times. Requests whose
answer was lost in the crash are retried with the same key after the
restart, as a POS would. At the end every operation has exactly one effect,
the balances equal what the acknowledged answers imply, and
``tilledge ledger verify`` passes.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import sqlite3
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.support.fakes import processes_with
from tests.support.live import (
    TILLEDGE,
    api_call,
)
from tests.support.live_box import LiveBox, kill_loop

CYCLES = int(os.environ.get("TILLEDGE_CRASH_CYCLES", "20"))
CUSTOMERS = 4


def request(port, token, path, body, key, timeout=10):
    return api_call(port, token, "POST", path, body, key, timeout=timeout)[:2]


class Box(LiveBox):
    def __init__(self, tmp: Path, workers: int = 1) -> None:
        super().__init__(tmp, workers, terminal="crash")
        self.customers = [self.insert(90000 + i, f"Crash {i}") for i in range(CUSTOMERS)]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2], ids=["one-process", "two-processes"])
def test_sigkill_under_load_loses_nothing_acknowledged(tmp_path, workers):
    # With two processes both write; SIGKILL hits the primary and takes the
    # worker with it (PR_SET_PDEATHSIG), in the middle of either one's commit.
    box = Box(tmp_path, workers)
    rng = random.Random(20261124)
    # key -> (path, body); answers[key] = (status, body) once acknowledged
    ops: dict[str, tuple[str, dict]] = {}
    answers: dict[str, tuple[int, dict]] = {}
    lock = threading.Lock()

    def client(seed: int, stop: threading.Event) -> None:
        r = random.Random(seed)
        while not stop.is_set():
            cid = r.choice(box.customers)
            key = str(uuid.uuid4())
            if r.random() < 0.6:
                path, body = f"/customers/{cid}/topups", {"amount": r.randint(1, 5000)}
            else:
                path, body = f"/customers/{cid}/payments", {"amount": r.randint(1, 3000)}
            with lock:
                ops[key] = (path, body)
            try:
                status, data = request(box.port, box.token, path, body, key)
            except (OSError, http.client.HTTPException):
                return  # the server died under us; the op stays unanswered
            if dying(status, stop):
                return
            with lock:
                answers[key] = (status, data)
            if r.random() < 0.2:  # a POS retrying after a lost answer: must replay
                try:
                    status2, data2 = request(box.port, box.token, path, body, key)
                except (OSError, http.client.HTTPException):
                    return
                if dying(status2, stop):
                    return
                assert (status2, data2) == (status, data)

    def dying(status: int, stop: threading.Event) -> bool:
        """A worker outlives its killed primary by a moment and answers 503
        (outcome unknown, retry with the key); only then is a 503 acceptable."""
        if status != 503:
            return False
        assert stop.wait(5), "503 while the server was not being killed"
        return True

    def retry_unanswered() -> None:
        # Answers lost in the last crash: retry with the same key first.
        for key in [k for k in ops if k not in answers]:
            path, body = ops[key]
            answers[key] = request(box.port, box.token, path, body, key)

    kill_loop(box, CYCLES, rng, client, retry_unanswered)
    box.start()
    retry_unanswered()
    box.kill()

    assert all(status in (201, 409) for status, _ in answers.values()), {
        s for s, _ in answers.values()
    }
    conn = sqlite3.connect(box.db)
    # Every acknowledged success is in the journal exactly once.
    op_ids = [
        int(data.get("operation_id") or data.get("payment_id"))
        for status, data in answers.values()
        if status == 201
    ]
    assert len(op_ids) == len(set(op_ids))
    counts = dict(conn.execute("SELECT operation_id, count(*) FROM journal GROUP BY operation_id"))
    for op in op_ids:
        assert counts.get(op, 0) >= 1, f"acknowledged operation {op} is missing"
    assert set(counts) == set(op_ids), "the journal holds operations nobody acknowledged"
    # Balances equal what the answers imply.
    expected = {cid: 0 for cid in box.customers}
    for key, (status, _data) in answers.items():
        if status != 201:
            continue
        path, body = ops[key]
        cid = path.split("/")[2]
        expected[cid] += body["amount"] if path.endswith("topups") else -body["amount"]
    got = {str(c): cash for c, cash in conn.execute("SELECT customer_id, cash FROM balances")}
    assert {c: got.get(c, 0) for c in box.customers} == expected
    conn.close()
    print(f"{CYCLES} kills, {len(answers)} operations answered, {len(op_ids)} applied")
    assert len(answers) > CYCLES * 5, "the load was too light to prove anything"
    verify = subprocess.run(
        [TILLEDGE, "--config", str(box.config), "ledger", "verify", "--json"],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stderr
    assert json.loads(verify.stdout)["ok"] is True
    # No process outlives its SIGKILLed server (granian's included).
    deadline = time.monotonic() + 10
    while (left := _serving(box.ports)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes outlived their server: {left}"


def _serving(ports: list[int]) -> list[int]:
    """Processes still serving one of these ports: serve (--listen) or granian (--port)."""
    return processes_with(
        *(f"--port\0{p}\0".encode() for p in ports),
        *(f"127.0.0.1:{p}\0".encode() for p in ports),
    )
