"""Bearer tokens for terminals: random, shown once, stored as SHA-256, scoped.

A token carries 256 random bits, so a fast hash is the right tool (argon2 is
for low-entropy passwords). Every request looks the hash up in the database,
so a revocation takes effect on the next request. Owns issuing, hashing,
lookup and the scope names; reading the HTTP header is ``edge.api.auth``'s.
May import ``edge.platform``; no Flask.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass

from edge.platform.clock import now_iso
from edge.security.terminals import free_name

SCOPES = ("pos", "manager", "thirdparty", "admin")
TOKEN_PREFIX = "te_"

__all__ = [
    "SCOPES",
    "TOKEN_PREFIX",
    "Principal",
    "hash_token",
    "issue_token",
    "lookup",
    "parse_scopes",
]


@dataclass(frozen=True)
class Principal:
    id: int
    name: str
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        """How the journal and history name this terminal: id and name."""
        return f"terminal:{self.id} {self.name}"

    @property
    def key_scope(self) -> str:
        """Whose Idempotency-Keys these are: the id, never the name (a newly
        paired device named like another till must not share its keys)."""
        return f"terminal:{self.id}"

    def has(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(text: str) -> list[str]:
    scopes = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise ValueError(f"unknown scope {', '.join(bad) or '(none)'}; use {', '.join(SCOPES)}")
    return sorted(set(scopes))


def issue_token(conn: sqlite3.Connection, name: str, scopes: list[str]) -> dict[str, object]:
    """Create a terminal; the clear token is returned here and never again.

    A taken ``name`` becomes the first free ``name (n)`` (the answer says which).
    """
    name = free_name(conn, name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    cur = conn.execute(
        "INSERT INTO terminals (name, scopes, token_hash, created_at) VALUES (?, ?, ?, ?)",
        [name, ",".join(scopes), hash_token(token), now_iso()],
    )
    return {"id": str(cur.lastrowid), "name": name, "scopes": scopes, "token": token}


def lookup(conn: sqlite3.Connection, token: str) -> Principal | None:
    row = conn.execute(
        "SELECT id, name, scopes FROM terminals WHERE token_hash = ? AND revoked_at IS NULL",
        [hash_token(token)],
    ).fetchone()
    if row is None:
        return None
    return Principal(row["id"], row["name"], frozenset(row["scopes"].split(",")))
