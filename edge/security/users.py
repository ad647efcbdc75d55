"""Staff accounts: argon2id password hashes (at most N at once), optional
TOTP (sealed at rest) with replay protection, throttling per address and per
account and address that only slows an account down elsewhere.

The expensive argon2 check runs *outside* the database writer (it would stall
every money operation queued behind it for ~50 ms); only the outcome is
written, with conditional updates so concurrent logins cannot reuse a TOTP
step. Failure messages never say whether the name or the password was wrong.
"""

from __future__ import annotations

import hmac
import math
import sqlite3
import time
from dataclasses import dataclass
from typing import Literal

import pyotp
from argon2 import PasswordHasher

from edge.platform import sealing
from edge.platform.clock import iso_at
from edge.platform.config import SecurityConfig
from edge.platform.db import Database
from edge.security import one_thread_verify, throttle
from edge.security.hash_gate import gate

ROLES = ("cashier", "manager", "admin")
RANK = {role: i for i, role in enumerate(ROLES)}
MIN_PASSWORD = 10
TOTP_WINDOW = 1  # accept the previous and next 30 s step: clock drift on tills
ISSUER = "TillEdge"

# argon2id with the library's RFC 9106 "low memory" defaults (64 MiB, t=3).
_hasher = PasswordHasher()
# Verified against when the name is unknown, so both cases cost the same time.
_DUMMY_HASH = _hasher.hash("not a password: equalises timing for unknown names")


class UserError(ValueError):
    """A refused account operation (bad role, weak password, duplicate name)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    if password.strip() != password or not password.isprintable():
        raise UserError("the password must be printable without leading/trailing spaces")


def create_user(conn: sqlite3.Connection, name: str, role: str, password: str) -> dict[str, str]:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; use {', '.join(ROLES)}")
    name = name.strip()
    if not name or len(name) > 64:
        raise UserError("the name needs 1..64 characters")
    check_password_policy(password)
    try:
        cur = conn.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
            [name, role, hash_password(password), iso_at(time.time())],
        )
    except sqlite3.IntegrityError as e:
        raise UserError(f"a user named {name!r} exists") from e
    return {"id": str(cur.lastrowid), "name": name, "role": role}


def enable_totp(conn: sqlite3.Connection, name: str) -> dict[str, str]:
    """Give the user a new TOTP secret (replacing any old one), stored sealed
    with the data dir's key (:mod:`edge.platform.sealing`); the clear secret is
    in this answer only."""
    secret = pyotp.random_base32()
    sealed = sealing.seal(sealing.db_file(conn), secret)
    cur = conn.execute(
        "UPDATE users SET totp_secret = ?, totp_last_step = NULL WHERE name = ?", [sealed, name]
    )
    if cur.rowcount != 1:
        raise UserError(f"no user named {name!r}")
    uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)
    return {"name": name, "secret": secret, "uri": uri}


def list_users(conn: sqlite3.Connection) -> list[dict[str, object]]:
    rows = conn.execute(
        "SELECT id, name, role, totp_secret IS NOT NULL AS totp, locked_until, disabled,"
        " created_at FROM users ORDER BY name"
    ).fetchall()
    return [
        {
            "id": str(r["id"]),
            "name": r["name"],
            "role": r["role"],
            "totp": bool(r["totp"]),
            "locked_until": r["locked_until"],
            "disabled": bool(r["disabled"]),
            "created_at": r["created_at"],
        }
        for r in rows
    ]


def unlock(conn: sqlite3.Connection, name: str) -> None:
    """Forget the account's failures, from every address."""
    cur = conn.execute(
        "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE name = ?", [name]
    )
    if cur.rowcount != 1:
        raise UserError(f"no user named {name!r}")
    throttle.forget(conn, "login-pair", _pair(name, ""))


def totp_step(secret: str, code: str, now: float) -> int | None:
    """The 30 s step ``code`` belongs to (within the drift window), or None."""
    code = "".join(c for c in code if c.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // totp.interval)
    found = None
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        # Check every candidate, constant-time, so timing reveals nothing.
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    @property
    def actor(self) -> str:
        """How history and the journal name this person (terminals: ``terminal:NAME``)."""
        return f"user:{self.name}"

    def at_least(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]


Outcome = Literal["ok", "invalid", "locked", "throttled", "slowed", "busy"]


@dataclass(frozen=True)
class LoginResult:
    outcome: Outcome
    user: User | None = None
    retry_after: int = 0  # seconds, for the 429 answers


def _pair(name: str, client: str) -> str:
    """The ``login-pair`` subject: an account (any spelling) from one address."""
    return f"{name.casefold()}\n{client}"


def authenticate(
    db: Database,
    name: str,
    password: str,
    totp_code: str,
    *,
    client: str,
    cfg: SecurityConfig,
    now: float | None = None,
) -> LoginResult:
    """Check a login attempt and record its outcome.

    Refused before any hash, so a refusal costs next to nothing and guessing
    learns nothing: ``throttled`` — this address failed
    ``login_max_failures_per_client`` times lately (any names); ``locked`` —
    this account failed ``login_max_failures`` times *from this address*;
    ``slowed`` — the account failed that often from anywhere, and this
    address failed on it less than ``login_slowdown_seconds`` ago (other
    addresses are slowed, never blocked, so nobody can lock a manager out
    from the guest Wi-Fi); ``busy`` — the hash gate is full. The right
    password plus TOTP lifts an account's failures everywhere.
    """
    now = time.time() if now is None else now
    name = name.strip()
    pair = _pair(name, client)
    reader = db.reader()
    window = cfg.login_lockout_seconds
    if throttle.is_throttled(
        reader, "login", client, limit=cfg.login_max_failures_per_client, window_s=window, now=now
    ):
        return LoginResult("throttled", retry_after=window)
    if throttle.is_throttled(
        reader, "login-pair", pair, limit=cfg.login_max_failures, window_s=window, now=now
    ):
        return LoginResult("locked", retry_after=window)
    row = reader.execute(
        "SELECT id, name, role, password_hash, totp_secret, totp_last_step, locked_until,"
        " disabled FROM users WHERE name = ?",
        [name],
    ).fetchone()
    if row is not None and row["locked_until"] and row["locked_until"] > iso_at(now):
        last = throttle.last_failure(reader, "login-pair", pair)
        if last is not None and now - last < cfg.login_slowdown_seconds:
            return LoginResult("slowed", retry_after=math.ceil(cfg.login_slowdown_seconds))

    hashes = gate(cfg.login_hash_concurrency, cfg.login_queue, cfg.login_queue_seconds)
    # Waiting for the gate and hashing (argon2 releases the GIL) are no Python
    # work: give the server's request slot back meanwhile (as a commit wait
    # does, edge/serving/server.py ConcurrencyLimit), or queued logins would
    # hold every slot and stall the API behind them.
    with db.writer.waiting(), hashes.slot() as free:
        if not free:
            return LoginResult("busy", retry_after=1)
        stored = row["password_hash"] if row else _DUMMY_HASH
        ok = hashes.run(_verify, stored, password) and row is not None
    step = None
    if ok and row["totp_secret"]:
        # A secret this box cannot open (restored without its key) fails closed.
        secret = sealing.open_secret(db.path, row["totp_secret"])
        step = totp_step(secret, totp_code, now) if secret else None
        ok = step is not None and (row["totp_last_step"] is None or step > row["totp_last_step"])
    if ok and row["disabled"]:
        ok = False

    def record(conn: sqlite3.Connection) -> bool:
        if ok:
            # Conditional on the step so a racing login with the same code loses.
            cur = conn.execute(
                "UPDATE users SET failed_logins = 0, totp_last_step = COALESCE(?, totp_last_step)"
                " WHERE id = ? AND (? IS NULL OR totp_last_step IS NULL OR totp_last_step < ?)",
                [step, row["id"], step, step],
            )
            if cur.rowcount == 1:
                throttle.forget(conn, "login-pair", pair)
                if step is not None:
                    # Password and second factor: whoever failed on this
                    # account elsewhere was not its owner; lift it everywhere.
                    throttle.forget(conn, "login-pair", _pair(name, ""))
                    conn.execute(
                        "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?",
                        [row["id"]],
                    )
                if _hasher.check_needs_rehash(row["password_hash"]):
                    conn.execute(
                        "UPDATE users SET password_hash = ? WHERE id = ?",
                        [hash_password(password), row["id"]],
                    )
                return True
        throttle.record_failure(conn, "login", client, now=now)
        throttle.record_failure(conn, "login-pair", pair, now=now)
        if row is not None:
            conn.execute(
                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?", [row["id"]]
            )
            # Not a lock: other addresses are only slowed until then (above).
            conn.execute(
                "UPDATE users SET failed_logins = 0, locked_until = ?"
                " WHERE id = ? AND failed_logins >= ?",
                [iso_at(now + cfg.login_lockout_seconds), row["id"], cfg.login_max_failures],
            )
        return False

    if db.write(record):
        return LoginResult("ok", User(row["id"], row["name"], row["role"]))
    return LoginResult("invalid")


def _verify(password_hash: str, password: str) -> bool:
    # One thread, not one per lane: a login check must leave a core free.
    return one_thread_verify.verify(password_hash, password)


def load_user(conn: sqlite3.Connection, user_id: int) -> User | None:
    row = conn.execute(
        "SELECT id, name, role FROM users WHERE id = ? AND disabled = 0", [user_id]
    ).fetchone()
    return User(row["id"], row["name"], row["role"]) if row else None
