"""The HTTP side of terminal tokens: the ``Authorization`` header and the scope check.

Issuing, hashing and lookup are :mod:`edge.security.tokens`; this module reads
the bearer token of a request, checks its scope and keeps the principal in
``flask.g`` for the rest of the request. May import flask, ``edge.api`` and
the layers below.
"""

from __future__ import annotations

from flask import g, request

from edge.api.context import current_box
from edge.api.problems import ApiError
from edge.security.tokens import Principal, lookup

__all__ = ["current_actor", "current_key_scope", "has_scope", "require"]


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


def current_key_scope() -> str:
    """Whose Idempotency-Keys the request's are (``terminal:ID``)."""
    principal: Principal | None = g.get("principal")
    return principal.key_scope if principal else "anonymous"


def has_scope(scope: str) -> bool:
    principal: Principal | None = g.get("principal")
    return bool(principal and principal.has(scope))
