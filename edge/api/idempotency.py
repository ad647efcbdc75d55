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
from dataclasses import dataclass
from typing import Any

from flask import Response, g, request

from ..box import current_box
from .auth import current_actor, now_iso
from .problems import ApiError, problem_response

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


def _replay(status: int, body: str) -> Response:
    mimetype = "application/problem+json" if status >= 400 else "application/json"
    resp = Response(body, status=status, mimetype=mimetype)
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _find(conn: sqlite3.Connection, key: IdemKey) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT request_hash, status, response FROM idempotency_keys WHERE scope = ? AND key = ?",
        [key.scope, key.key],
    ).fetchone()


def _check(row: sqlite3.Row, key: IdemKey) -> Response:
    if row["request_hash"] != key.request_hash:
        raise ApiError(
            422,
            "idempotency_conflict",
            "this Idempotency-Key was already used with a different request",
        )
    return _replay(row["status"], row["response"])


def commit(
    fn: Callable[[sqlite3.Connection], tuple[Any, int]],
    *,
    after: Callable[[Any], None] | None = None,
) -> Response:
    """Run ``fn`` in one durable write transaction, exactly once per key.

    ``fn(conn)`` returns ``(json_body, status)`` or raises :class:`ApiError`.
    ``after(body)`` runs once the commit is on disk and only for a first,
    successful execution (events, display, printing).
    """
    key: IdemKey | None = g.get("idempotency")
    box = current_box()

    def txn(conn: sqlite3.Connection) -> tuple[str, Any, int, bool]:
        if key is not None:
            found = _find(conn, key)
            if found is not None:
                return ("replay", found, 0, False)
        conn.execute("SAVEPOINT idem_body")
        try:
            body, status = fn(conn)
        except ApiError as err:
            conn.execute("ROLLBACK TO idem_body")
            conn.execute("RELEASE idem_body")
            if key is None:
                raise
            text = json.dumps(err.to_dict())
            _store(conn, key, err.status, text)
            return ("error", err, err.status, False)
        conn.execute("RELEASE idem_body")
        text = json.dumps(body)
        if key is not None:
            _store(conn, key, status, text)
        return ("ok", (body, text), status, True)

    kind, payload, status, fresh = box.db.write(txn)
    if kind == "replay":
        assert key is not None
        return _check(payload, key)
    if kind == "error":
        return problem_response(payload)
    body, text = payload
    if fresh and after is not None:
        after(body)
    # The stored text is sent, so a replay is byte-identical to this answer.
    return Response(text, status=status, mimetype="application/json")


def _store(conn: sqlite3.Connection, key: IdemKey, status: int, text: str) -> None:
    conn.execute(
        "INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [key.scope, key.key, key.request_hash, status, text, now_iso()],
    )
