"""Exactly-once writes: a key is looked up and stored *inside* the write
transaction it guards, so a retry racing the original, or a crash between
"done" and "remembered", can never apply a write twice. Refusals are
remembered too: a retry gets the answer the first attempt got.

Every client with keys uses this: the POS API (a terminal's
``Idempotency-Key``, scope ``terminal:ID``) and the staff panel (a money
form's nonce, scope ``user:NAME``), so the two can never share a key. There
is no HTTP here: an answer is kept as a status and its JSON text, and how a
refusal is answered is the caller's (:class:`Refusals`). Imports
``edge.errors`` and the platform's clock.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edge.errors import CodedError
from edge.platform.clock import now_iso


@dataclass(frozen=True)
class IdemKey:
    scope: str  # whose key: "terminal:ID" or "user:NAME"
    key: str
    request_hash: str


def request_hash(*parts: str | bytes) -> str:
    """The fingerprint a reused key is compared by: the request's parts, NUL-separated."""
    digest = hashlib.sha256()
    for i, part in enumerate(parts):
        if i:
            digest.update(b"\0")
        digest.update(part.encode() if isinstance(part, str) else part)
    return digest.hexdigest()


class IdempotencyConflict(CodedError):
    """The key was used before with a different request."""

    code = "idempotency_conflict"


@dataclass(frozen=True)
class Outcome:
    """What a guarded write answers, as sent: also what an API worker gets back
    when the primary ran the write for it (edge/serving/primary_writes.py)."""

    status: int
    text: str  # the JSON body, byte for byte what a replay sends again
    replayed: bool = False
    problem: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> Any:
        return json.loads(self.text)


@dataclass(frozen=True)
class Refusals:
    """What counts as a refusal of a guarded write, and its answer (the API:
    problem+json). A refusal is rolled back and, with a key, remembered."""

    kinds: tuple[type[Exception], ...]
    answer: Callable[[Exception], Outcome]


def guarded(
    key: IdemKey | None,
    fn: Callable[[sqlite3.Connection], tuple[Any, int]],
    refusals: Refusals,
) -> Callable[[sqlite3.Connection], tuple[str, Any, int]]:
    """``fn`` wrapped in its key's lookup and record: what the writer runs.

    ``fn(conn)`` returns ``(json_body, status)`` or raises one of
    ``refusals.kinds``; without a key a refusal is raised on.
    """

    def txn(conn: sqlite3.Connection) -> tuple[str, Any, int]:
        if key is not None:
            found = _find(conn, key)
            if found is not None:
                return ("replay", found, 0)
        conn.execute("SAVEPOINT idem_body")
        try:
            body, status = fn(conn)
        except refusals.kinds as refusal:
            conn.execute("ROLLBACK TO idem_body")
            conn.execute("RELEASE idem_body")
            if key is None:
                raise
            outcome = refusals.answer(refusal)
            _store(conn, key, outcome.status, outcome.text)
            return ("error", outcome, outcome.status)
        conn.execute("RELEASE idem_body")
        text = json.dumps(body)
        if key is not None:
            _store(conn, key, status, text)
        return ("ok", (body, text), status)

    return txn


def settle(key: IdemKey | None, committed: tuple[str, Any, int]) -> tuple[Outcome, Any]:
    """The outcome of a committed :func:`guarded` write and, only for a first
    successful execution, its body (what events, display and printing react
    to). A reused key with another request raises :class:`IdempotencyConflict`."""
    kind, payload, status = committed
    if kind == "replay":
        assert key is not None
        return _replay(payload, key), None
    if kind == "error":
        return payload, None
    body, text = payload
    # The stored text is sent, so a replay is byte-identical to this answer.
    return Outcome(status, text), body


def _find(conn: sqlite3.Connection, key: IdemKey) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT request_hash, status, response FROM idempotency_keys WHERE scope = ? AND key = ?",
        [key.scope, key.key],
    ).fetchone()


def _replay(row: sqlite3.Row, key: IdemKey) -> Outcome:
    if row["request_hash"] != key.request_hash:
        raise IdempotencyConflict("this Idempotency-Key was already used with a different request")
    status = int(row["status"])
    return Outcome(status, row["response"], replayed=True, problem=status >= 400)


def _store(conn: sqlite3.Connection, key: IdemKey, status: int, text: str) -> None:
    conn.execute(
        "INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [key.scope, key.key, key.request_hash, status, text, now_iso()],
    )
