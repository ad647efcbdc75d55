"""RFC 9457 problem details: the one shape of every API error.

``code`` is the stable machine string integrators switch on (API.md); extra
keyword arguments become extension members (``lock_text``, ``candidates``,
``remaining`` …). Domain errors (``edge.errors``) get their HTTP status here,
once, from :data:`STATUS`; :class:`ApiError` is for what only the HTTP layer
refuses (authentication, media type, JSON, headers, routes).
"""

from __future__ import annotations

from typing import Any

from flask import Response, json

from edge.errors import DomainError
from edge.ledger import LedgerError

PROBLEM_MIME = "application/problem+json"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    507: "Insufficient Storage",
}

DEFAULT_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """Raise anywhere below a route; the app turns it into problem+json."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        detail: str = "",
        *,
        errors: list[dict[str, str]] | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or code or str(status))
        self.status = status
        self.code = code or DEFAULT_CODES.get(status, "error")
        self.detail = detail
        self.errors = errors or []
        self.title = title or TITLES.get(status, "Error")
        self.headers = headers or {}
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://tilledge.dev/problems/{self.code.replace('_', '-')}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail or self.title,
            "code": self.code,
            "errors": self.errors,
        }
        body.update(self.extra)
        return body


#: The HTTP status of every code a domain error carries: the one mapping
#: (tests/edge/api/test_problem_codes.py checks that none is missing), and of
#: the HTTP layer's own codes, which routes declare in their ``errors``.
STATUS: dict[str, int] = {
    "validation_error": 422,
    "idempotency_conflict": 422,
    "limit_exceeded": 422,
    "not_found": 404,
    "conflict": 409,
    "duplicate_customer": 409,
    "customer_blocked": 409,
    "customer_inactive": 409,
    "card_blocked": 409,
    "erasure_refused": 409,
    "insufficient_funds": 409,
    "insufficient_points": 409,
    "points_blocked": 409,
    "refund_exceeds_payment": 409,
    "invoice_payment_not_allowed": 409,
    "credit_limit_exceeded": 409,
    "payment_exceeds_owed": 409,
    "sepa_preflight_failed": 422,
    "einvoice_invalid": 422,
    "unavailable": 503,
    # 507, not 503: the outcome is known (nothing was written), and a till can
    # tell "the box's disk is full" from "try again in a second".
    "storage_full": 507,
    "journal_unreadable": 500,
    # What only the HTTP layer refuses (ApiError): here too, so a route can
    # declare every problem it answers by code (edge/api/openapi.py).
    "bad_request": 400,
    "idempotency_key_missing": 400,
    "invalid_pairing_code": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "device_disabled": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "rate_limited": 429,
}

#: Headers a problem of that code carries.
HEADERS: dict[str, dict[str, str]] = {
    "unavailable": {"Retry-After": "1"},
    # Freeing disk space takes a person: no point retrying every second.
    "storage_full": {"Retry-After": "30"},
}


def status_of(err: DomainError) -> int:
    """The HTTP status of a domain error; an unmapped code is a bug, said loudly."""
    try:
        return STATUS[err.code]
    except KeyError:
        raise LookupError(f"domain error code {err.code!r} has no status in STATUS") from err


def problem(err: DomainError | ApiError) -> ApiError:
    """The API problem of a refusal (an :class:`ApiError` is one already)."""
    if isinstance(err, ApiError):
        return err
    members = dict(err.numbers)
    if isinstance(err, LedgerError):
        # The core's problems have always carried these two members as well.
        members = {"message": err.detail, "details": dict(err.numbers), **members}
    return ApiError(
        status_of(err),
        err.code,
        err.detail,
        errors=err.errors,
        headers=dict(HEADERS.get(err.code, {})),
        **members,
    )


def problem_response(err: ApiError) -> Response:
    resp = Response(json.dumps(err.to_dict()), status=err.status, mimetype=PROBLEM_MIME)
    for k, v in err.headers.items():
        resp.headers[k] = v
    return resp
