"""Pairing codes: short, single use, valid for minutes, exchanged for a token.

A code is 8 characters from a 30-symbol alphabet without look-alikes
(0/O, 1/I/L, U), shown as ``ABCD-EFGH``: about 2^39 possibilities. With
throttling of failed attempts per client (``pairing_max_failures`` per code
lifetime) and a lifetime of minutes, guessing is hopeless, while a person can
still type it on a till. Only the SHA-256 of a code is stored.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass

from edge.platform.clock import iso_at
from edge.security.tokens import issue_token, parse_scopes

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8


def qr_text(url: str, fingerprint: str) -> str:
    """What a till scans (boot slip, ``tilledge provision``): the URL and the
    certificate it must pin."""
    return f"tilledge:{url}#sha256={fingerprint}"


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize(code: str) -> str:
    """Upper-case, drop separators and spaces: what a person types varies."""
    return "".join(c for c in code.upper() if c.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def issue(
    conn: sqlite3.Connection,
    *,
    scopes: list[str],
    minutes: int,
    name: str | None = None,
    now: float | None = None,
) -> dict[str, object]:
    """Create a code; the clear code is returned here and never again."""
    scopes = parse_scopes(",".join(scopes))
    now = time.time() if now is None else now
    code = new_code()
    expires = now + minutes * 60
    conn.execute(
        "INSERT INTO pairing_codes (code_hash, name, scopes, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [code_hash(code), name, ",".join(scopes), now, expires],
    )
    return {"code": code, "name": name, "scopes": scopes, "expires_at": iso_at(expires)}


@dataclass(frozen=True)
class Redeemed:
    id: str
    name: str
    scopes: list[str]
    token: str


def redeem(
    conn: sqlite3.Connection, code: str, *, name: str | None = None, now: float | None = None
) -> Redeemed | None:
    """Exchange a valid, unused, unexpired code for a new terminal token.

    Runs inside one write transaction: marking the code used and issuing the
    token commit together, so two racing requests cannot both win.
    """
    now = time.time() if now is None else now
    row = conn.execute(
        "SELECT id, name, scopes FROM pairing_codes"
        " WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
        [code_hash(code), now],
    ).fetchone()
    if row is None:
        return None
    cur = conn.execute(
        "UPDATE pairing_codes SET used_at = ? WHERE id = ? AND used_at IS NULL", [now, row["id"]]
    )
    if cur.rowcount != 1:
        return None
    terminal_name = row["name"] or name or f"terminal-{row['id']}"
    info = issue_token(conn, terminal_name, row["scopes"].split(","))
    conn.execute("UPDATE pairing_codes SET terminal_id = ? WHERE id = ?", [info["id"], row["id"]])
    return Redeemed(
        id=str(info["id"]),
        name=str(info["name"]),  # a taken name became a free "NAME (n)"
        scopes=list(info["scopes"]),  # type: ignore[call-overload]
        token=str(info["token"]),
    )
