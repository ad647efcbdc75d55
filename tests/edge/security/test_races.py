"""Single use under concurrency: one TOTP code, one pairing code, one winner."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pyotp

from edge.platform.box import Box
from edge.security import pairing, users


def race(n: int, fn: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait(timeout=10)
        results[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_one_totp_code_logs_in_once(box: Box) -> None:
    box.db.write(lambda c: users.create_user(c, "anna", "admin", "correct horse battery"))
    secret = box.db.write(lambda c: users.enable_totp(c, "anna"))["secret"]
    now = 1_800_000_000.0
    code = pyotp.TOTP(secret).at(now)
    # Four hashes at once: this is about the TOTP step, not the hash gate.
    cfg = box.config.security.model_copy(update={"login_hash_concurrency": 4})
    outcomes = race(
        4,
        lambda i: (
            users.authenticate(
                box.db, "anna", "correct horse battery", code, client=f"c{i}", cfg=cfg, now=now
            ).outcome
        ),
    )
    assert sorted(outcomes) == ["invalid", "invalid", "invalid", "ok"]


def test_one_pairing_code_pairs_once(box: Box) -> None:
    code = box.db.write(lambda c: pairing.issue(c, scopes=["pos"], minutes=5))["code"]
    results = race(6, lambda i: box.db.write(lambda c: pairing.redeem(c, str(code))))
    assert sum(r is not None for r in results) == 1
    n = box.db.reader().execute("SELECT COUNT(*) FROM terminals").fetchone()[0]
    assert n == 1
