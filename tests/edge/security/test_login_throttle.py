"""Login is no lockout weapon (issue #15): failures from one address block
that address, other addresses are only slowed, password plus TOTP lifts it;
at most N hashes at once."""

from __future__ import annotations

import threading

import pyotp

from edge.platform.box import Box
from edge.platform.config import SecurityConfig
from edge.security import users
from edge.security.hash_gate import HashGate, gate

PASSWORD = "correct horse battery"
T0 = 1_800_000_000.0


def login(box: Box, client: str, password: str, now: float, totp: str = "") -> users.LoginResult:
    return users.authenticate(
        box.db, "mia", password, totp, client=client, cfg=box.config.security, now=now
    )


def attack(box: Box, now: float) -> None:
    """Five wrong passwords from five addresses of the guest Wi-Fi."""
    for i in range(box.config.security.login_max_failures):
        assert login(box, f"10.9.0.{i}", "guess guess guess", now).outcome == "invalid"


def test_failures_from_anywhere_do_not_lock_the_manager_out(box: Box) -> None:
    box.db.write(lambda c: users.create_user(c, "mia", "manager", PASSWORD))
    attack(box, T0)
    # The manager at the till (an address that never failed) gets in at once.
    assert login(box, "192.168.1.20", PASSWORD, T0 + 1).outcome == "ok"


def test_other_addresses_are_slowed_not_blocked(box: Box) -> None:
    box.db.write(lambda c: users.create_user(c, "mia", "manager", PASSWORD))
    slow = box.config.security.login_slowdown_seconds
    attack(box, T0)
    assert login(box, "192.168.1.20", "typo typo typo", T0 + 1).outcome == "invalid"
    r = login(box, "192.168.1.20", PASSWORD, T0 + 1)
    assert (r.outcome, r.retry_after) == ("slowed", slow)  # not checked: guessing is slow
    assert login(box, "192.168.1.20", PASSWORD, T0 + 1 + slow).outcome == "ok"


def test_password_plus_totp_lifts_the_account_everywhere(box: Box) -> None:
    box.db.write(lambda c: users.create_user(c, "mia", "manager", PASSWORD))
    secret = box.db.write(lambda c: users.enable_totp(c, "mia"))["secret"]
    attack(box, T0)
    assert login(box, "192.168.1.20", "typo typo typo", T0 + 1).outcome == "invalid"
    code = pyotp.TOTP(secret).at(T0 + 40)
    assert login(box, "10.9.0.0", PASSWORD, T0 + 40, code).outcome == "ok"
    row = box.db.reader().execute("SELECT locked_until, failed_logins FROM users").fetchone()
    assert (row[0], row[1]) == (None, 0)
    # The address that had a typo is not slowed any more.
    code = pyotp.TOTP(secret).at(T0 + 70)
    assert login(box, "192.168.1.20", PASSWORD, T0 + 70, code).outcome == "ok"


def test_one_address_locks_only_itself(box: Box) -> None:
    box.db.write(lambda c: users.create_user(c, "mia", "manager", PASSWORD))
    for _ in range(box.config.security.login_max_failures):
        assert login(box, "10.9.0.9", "guess guess guess", T0).outcome == "invalid"
    assert login(box, "10.9.0.9", PASSWORD, T0 + 1).outcome == "locked"
    assert login(box, "192.168.1.20", PASSWORD, T0 + 1).outcome == "ok"
    box.db.write(lambda c: users.unlock(c, "MIA"))  # any spelling of the name
    assert login(box, "10.9.0.9", PASSWORD, T0 + 2).outcome == "ok"


def test_a_full_gate_answers_busy_without_hashing(box: Box) -> None:
    cfg = SecurityConfig(login_hash_concurrency=1, login_queue=0, login_queue_seconds=0)
    held = gate(1, 0, 0)
    with held.slot() as ok:
        assert ok
        r = users.authenticate(box.db, "nobody", "x" * 12, "", client="10.9.0.1", cfg=cfg)
        assert (r.outcome, r.retry_after) == ("busy", 1)
    r = users.authenticate(box.db, "nobody", "x" * 12, "", client="10.9.0.1", cfg=cfg)
    assert r.outcome == "invalid"  # busy was not counted as a failure either
    failures = box.db.reader().execute("SELECT COUNT(*) FROM auth_failures").fetchone()[0]
    assert failures == 2  # one per address and one per (name, address)


def test_gate_admits_limit_plus_queue_and_no_more() -> None:
    hashes = HashGate(limit=2, queue=1, wait_s=5)
    release = threading.Event()
    inside = threading.Semaphore(0)
    answers: list[bool] = []

    def hold() -> None:
        with hashes.slot() as ok:
            answers.append(ok)
            inside.release()
            if ok:
                release.wait(5)

    threads = [threading.Thread(target=hold) for _ in range(2)]
    for t in threads:
        t.start()
    inside.acquire()
    inside.acquire()  # both slots held
    waiter = threading.Thread(target=hold)
    waiter.start()
    while hashes._waiting == 0:  # the queued one is waiting for a slot
        threading.Event().wait(0.01)
    with hashes.slot() as ok:
        assert not ok  # slots and queue full: refused at once
    release.set()
    for t in (*threads, waiter):
        t.join(5)
    assert answers == [True, True, True]


def test_one_thread_verify_agrees_with_argon2_cffi() -> None:
    from argon2 import PasswordHasher

    from edge.security.one_thread_verify import verify

    stored = PasswordHasher().hash(PASSWORD)
    assert verify(stored, PASSWORD)
    assert not verify(stored, PASSWORD + "!")
    assert not verify(stored[:-4], PASSWORD)  # a damaged hash is a mismatch, not a 500
    assert not verify("$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", PASSWORD)
    assert not verify("not a hash", PASSWORD)
