"""Bearer tokens for terminals: random, shown once, stored as SHA-256, scoped.

A token carries 256 random bits, so a fast hash is the right tool (argon2 is
for low-entropy passwords). Every request looks the hash up in the database,
so a revocation takes effect on the next request.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import g, request

from edge.api.problems import ApiError
from edge.platform.box import current_box

SCOPES = ("pos", "manager", "thirdparty", "admin")
TOKEN_PREFIX = "te_"


@dataclass(frozen=True)
class Principal:
    id: int
    name: str
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"terminal:{self.name}"

    def has(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_scopes(text: str) -> list[str]:
    scopes = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise ValueError(f"unknown scope {', '.join(bad) or '(none)'}; use {', '.join(SCOPES)}")
    return sorted(set(scopes))


def issue_token(conn: sqlite3.Connection, name: str, scopes: list[str]) -> dict[str, object]:
    """Create a terminal; the clear token is returned here and never again."""
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


def require(scope: str | None) -> None:
    """Authenticate the request and check ``scope`` (None: open route)."""
    g.principal = None
    if scope is None:
        return
    header = request.headers.get("Authorization", "")
    kind, _, token = header.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "unauthorized",
            "send Authorization: Bearer <token> (issue one with `tilledge terminal add`)",
            headers={"WWW-Authenticate": 'Bearer realm="tilledge"'},
        )
    principal = lookup(current_box().db.reader(), token.strip())
    if principal is None:
        raise ApiError(
            401,
            "unauthorized",
            "the token is unknown or revoked",
            headers={"WWW-Authenticate": 'Bearer realm="tilledge", error="invalid_token"'},
        )
    if not principal.has(scope):
        raise ApiError(403, "forbidden", f"this route needs the '{scope}' scope")
    g.principal = principal


def current_actor() -> str:
    principal: Principal | None = g.get("principal")
    return principal.actor if principal else "anonymous"


def has_scope(scope: str) -> bool:
    principal: Principal | None = g.get("principal")
    return bool(principal and principal.has(scope))
