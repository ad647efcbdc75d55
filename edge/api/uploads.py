"""Reading one file from a multipart/form-data body under a hard byte limit.

The limit holds before anything is kept: a ``Content-Length`` above limit
plus :data:`FRAMING` is refused before the body is read (413), and while
reading, the file part is counted as it arrives — the byte after the limit
ends the request with a 413, whatever the client declared or when it sends
chunked (see :func:`_body`). Parts are collected in memory (a 5 MiB document), never spooled to
a temp file. Only the route that calls :func:`read_file_part` gets its limit:
the app-wide ``MAX_CONTENT_LENGTH`` of other routes is untouched. May import
flask, werkzeug and ``edge.api.problems``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.wsgi import LimitedStream

from edge.api.problems import ApiError

FRAMING = 64 * 1024  # boundaries, part headers and the small text fields
MAX_PARTS = 8


@dataclass(frozen=True)
class FilePart:
    data: bytes
    filename: str
    fields: dict[str, str]


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "payload_too_large",
        f"the file is larger than {limit} bytes",
        errors=[{"field": "file", "message": f"at most {limit} bytes"}],
    )


class _Capped(io.BytesIO):
    """A part's buffer that refuses the byte after ``limit``."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.tell() + len(data) > self.limit:
            raise too_large(self.limit)
        return super().write(data)


def _not_multipart(message: str) -> ApiError:
    return ApiError(
        422, "validation_error", message, errors=[{"field": "body", "message": message}]
    )


def _body(limit: int) -> IO[bytes]:
    """The body, cut after ``limit`` bytes. A chunked body has no length:
    werkzeug reads it only when the server says it ends the input
    (``wsgi.input_terminated``, as cheroot does); a2wsgi under granian ends it
    too but does not say so, so it is read here directly, bounded the same."""
    if (
        request.content_length is None
        and "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        and not request.environ.get("wsgi.input_terminated")
    ):
        return LimitedStream(request.environ["wsgi.input"], limit, is_max=True)  # type: ignore[return-value]
    return request.stream


def read_file_part(limit: int, name: str = "file") -> FilePart:
    """The ``name`` part (at most ``limit`` bytes) and the text fields beside it."""
    if request.mimetype != "multipart/form-data":
        raise _not_multipart(f"send multipart/form-data with a '{name}' part")
    body_limit = limit + FRAMING
    if request.content_length is not None and request.content_length > body_limit:
        raise too_large(limit)
    request.max_content_length = body_limit
    parser = FormDataParser(
        stream_factory=lambda *args, **kwargs: _Capped(limit),
        max_form_memory_size=FRAMING,
        max_content_length=body_limit,
        max_form_parts=MAX_PARTS,
        silent=False,
    )
    try:
        _, form, files = parser.parse(
            _body(body_limit), request.mimetype, request.content_length, request.mimetype_params
        )
    except RequestEntityTooLarge as e:
        raise too_large(limit) from e
    except ValueError as e:
        raise _not_multipart(f"a damaged multipart body: {e}") from e
    part = files.get(name)
    if part is None:
        raise ApiError(422, "validation_error", f"no '{name}' part",
                       errors=[{"field": name, "message": "required"}])  # fmt: skip
    return FilePart(part.stream.getvalue(), part.filename or "", form.to_dict(flat=True))  # type: ignore[attr-defined]
