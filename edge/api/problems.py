"""RFC 9457 problem details: the one shape of every API error.

``code`` is the stable machine string integrators switch on (API.md); extra
keyword arguments become extension members (``lock_text``, ``candidates``,
``remaining`` …).
"""

from __future__ import annotations

from typing import Any

from flask import Response, json

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


def validation_error(field: str, message: str, detail: str = "") -> ApiError:
    return ApiError(
        422,
        "validation_error",
        detail or f"{field}: {message}",
        errors=[{"field": field, "message": message}],
    )


def problem_response(err: ApiError) -> Response:
    resp = Response(json.dumps(err.to_dict()), status=err.status, mimetype=PROBLEM_MIME)
    for k, v in err.headers.items():
        resp.headers[k] = v
    return resp
