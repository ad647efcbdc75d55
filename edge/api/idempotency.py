"""Exactly-once POSTs (API.md "Idempotency").

The key is looked up and stored *inside* the same write transaction as the
operation it guards (:func:`commit`), so a retry racing the original, or a
crash between "done" and "remembered", can never apply an operation twice.
Refusals (insufficient funds, limits …) are remembered too: a retry gets the
same answer the first attempt got. Keys belong to the terminal that sent them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Response, g, request

from edge.api.auth import current_actor, now_iso
from edge.api.context import current_box
from edge.api.problems import PROBLEM_MIME, ApiError, problem
from edge.errors import DomainError

MAX_KEY = 255


@dataclass(frozen=True)
class IdemKey:
    scope: str
    key: str
    request_hash: str


def from_request(mode: str | None) -> IdemKey | None:
    """Read and check the header; ``required`` routes refuse a missing key."""
    if mode is None:
        return None
    key = request.headers.get("Idempotency-Key")
    if key is None:
        if mode == "required":
            raise ApiError(
                400,
                "idempotency_key_missing",
                "this route moves money: send an Idempotency-Key header "
                "(a fresh UUID per operation, reused on retries)",
                errors=[{"field": "Idempotency-Key", "message": "required"}],
            )
        return None
    if not 1 <= len(key) <= MAX_KEY or not key.isprintable():
        raise ApiError(
            400,
            "bad_request",
            "Idempotency-Key must be 1..255 printable characters",
            errors=[{"field": "Idempotency-Key", "message": "1..255 printable characters"}],
        )
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0")
    digest.update(request.path.encode())
    digest.update(b"\0")
    digest.update(request.query_string)
    digest.update(b"\0")
    body = request.get_json(silent=True)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")) if body else ""
    digest.update(canonical.encode())
    return IdemKey(current_actor(), key, digest.hexdigest())


def _find(conn: sqlite3.Connection, key: IdemKey) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT request_hash, status, response FROM idempotency_keys WHERE scope = ? AND key = ?",
        [key.scope, key.key],
    ).fetchone()


def _check(row: sqlite3.Row, key: IdemKey) -> Outcome:
    if row["request_hash"] != key.request_hash:
        raise ApiError(
            422,
            "idempotency_conflict",
            "this Idempotency-Key was already used with a different request",
        )
    status = int(row["status"])
    return Outcome(status, row["response"], replayed=True, problem=status >= 400)


@dataclass(frozen=True)
class Outcome:
    """What a guarded write answers, as sent: also what an API worker gets back
    when the primary ran the write for it (edge/primary_writes.py)."""

    status: int
    text: str  # the JSON body, byte for byte what a replay sends again
    replayed: bool = False
    problem: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_problem(cls, refusal: ApiError | DomainError) -> Outcome:
        err = problem(refusal)
        return cls(err.status, json.dumps(err.to_dict()), problem=True, headers=dict(err.headers))

    def response(self) -> Response:
        resp = Response(
            self.text,
            status=self.status,
            mimetype=PROBLEM_MIME if self.problem else "application/json",
        )
        for k, v in self.headers.items():
            resp.headers[k] = v
        if self.replayed:
            resp.headers["Idempotent-Replayed"] = "true"
        return resp


def guarded(
    key: IdemKey | None, fn: Callable[[sqlite3.Connection], tuple[Any, int]]
) -> Callable[[sqlite3.Connection], tuple[str, Any, int]]:
    """``fn`` wrapped in its key's lookup and record: what the writer runs.

    ``fn(conn)`` returns ``(json_body, status)`` or raises a :class:`DomainError`
    (or an :class:`ApiError`);
    a refusal is rolled back and, with a key, remembered like a success.
    """

    def txn(conn: sqlite3.Connection) -> tuple[str, Any, int]:
        if key is not None:
            found = _find(conn, key)
            if found is not None:
                return ("replay", found, 0)
        conn.execute("SAVEPOINT idem_body")
        try:
            body, status = fn(conn)
        except (ApiError, DomainError) as refusal:
            conn.execute("ROLLBACK TO idem_body")
            conn.execute("RELEASE idem_body")
            if key is None:
                raise
            err = problem(refusal)
            _store(conn, key, err.status, json.dumps(err.to_dict()))
            return ("error", err, err.status)
        conn.execute("RELEASE idem_body")
        text = json.dumps(body)
        if key is not None:
            _store(conn, key, status, text)
        return ("ok", (body, text), status)

    return txn


def settle(key: IdemKey | None, committed: tuple[str, Any, int]) -> tuple[Outcome, Any]:
    """The outcome of a committed :func:`guarded` write and, only for a first
    successful execution, its body (what events, display and printing react
    to). A reused key with another request raises ``idempotency_conflict``."""
    kind, payload, status = committed
    if kind == "replay":
        assert key is not None
        return _check(payload, key), None
    if kind == "error":
        return Outcome.of_problem(payload), None
    body, text = payload
    # The stored text is sent, so a replay is byte-identical to this answer.
    return Outcome(status, text), body


def commit(
    fn: Callable[[sqlite3.Connection], tuple[Any, int]],
    *,
    after: Callable[[Any], None] | None = None,
) -> Response:
    """Run ``fn`` in one durable write transaction, exactly once per the
    current request's ``Idempotency-Key`` (:func:`guarded`, then :func:`settle`).

    ``after(body)`` runs once the commit is on disk and only for a first,
    successful execution (events, display, printing).
    """
    key: IdemKey | None = g.get("idempotency")
    outcome, body = settle(key, current_box().db.write(guarded(key, fn)))
    if body is not None and after is not None:
        after(body)
    return outcome.response()


def _store(conn: sqlite3.Connection, key: IdemKey, status: int, text: str) -> None:
    conn.execute(
        "INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [key.scope, key.key, key.request_hash, status, text, now_iso()],
    )
