"""Exactly-once POSTs (API.md "Idempotency"): the HTTP side of
:mod:`edge.platform.idempotency` — the ``Idempotency-Key`` header, refusals
answered as problem+json, an outcome as a Flask response.

The key is looked up and stored inside the same write transaction as the
operation it guards (:func:`commit`); keys belong to the terminal that sent
them (scope ``terminal:ID``: by id, as names are chosen by whoever pairs).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from flask import Response, g, request

from edge.api.auth import current_actor, current_key_scope
from edge.api.context import current_box
from edge.api.problems import PROBLEM_MIME, ApiError, problem
from edge.errors import DomainError
from edge.platform.actor import Actor
from edge.platform.clock import now_iso
from edge.platform.idempotency import (
    IdemKey,
    Outcome,
    Refusals,
    guarded,
    request_hash,
    settle,
)

__all__ = [
    "PROBLEMS",
    "IdemKey",
    "Outcome",
    "commit",
    "commit_answering",
    "from_request",
    "of_problem",
    "replayed",
    "response",
]

MAX_KEY = 255


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
    body = request.get_json(silent=True)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")) if body else ""
    fingerprint = request_hash(request.method, request.path, request.query_string, canonical)
    return IdemKey(current_key_scope(), key, fingerprint)


def of_problem(refusal: Exception) -> Outcome:
    """A refusal as the API answers it, and as a replay answers it again."""
    assert isinstance(refusal, ApiError | DomainError)
    err = problem(refusal)
    return Outcome(err.status, json.dumps(err.to_dict()), problem=True, headers=dict(err.headers))


#: Refusals of guarded writes, answered (and remembered) as problem+json.
PROBLEMS = Refusals((ApiError, DomainError), of_problem)


def response(outcome: Outcome) -> Response:
    resp = Response(
        outcome.text,
        status=outcome.status,
        mimetype=PROBLEM_MIME if outcome.problem else "application/json",
    )
    for k, v in outcome.headers.items():
        resp.headers[k] = v
    if outcome.replayed:
        resp.headers["Idempotent-Replayed"] = "true"
    return resp


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
    outcome, body = settle(key, current_box().db.write(guarded(key, fn, PROBLEMS)))
    if body is not None and after is not None:
        after(body)
    return response(outcome)


def replayed() -> Response | None:
    """The answer already stored under the request's key, if any: for a route
    that works in many transactions and records its answer only at the end
    (the billing run), so a retry does not run again."""
    key: IdemKey | None = g.get("idempotency")
    if key is None:
        return None
    found = (
        current_box()
        .db.reader()
        .execute("SELECT 1 FROM idempotency_keys WHERE scope = ? AND key = ?", [key.scope, key.key])
        .fetchone()
    )
    if found is None:
        return None
    return commit(lambda conn: ({}, 200))  # finds the key: its replay (or a conflict)


def commit_answering(
    fn: Callable[[sqlite3.Connection, Actor], Any],
    status: int,
    answer: int | None,
    out: Callable[[sqlite3.Connection, int], dict[str, Any]],
) -> Response:
    """:func:`commit` for a write by the request's actor that answers one
    record: ``out(conn, id)`` of ``answer``, or of the id ``fn`` returns."""
    actor = Actor(current_actor(), now_iso())

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        named = fn(conn, actor)
        return out(conn, named if answer is None else answer), status

    return commit(txn)
