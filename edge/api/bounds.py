"""The HTTP edge's bounds: path ids, query ids and cursors, JSON nesting.

Everything here refuses before Python's own limits are reached: a body nested
deeper than :data:`MAX_DEPTH` never meets the JSON parser (which would raise
``RecursionError`` near 1,000 levels), and an id outside 1..2^63−1 or written
in other than ASCII digits never meets SQLite (``OverflowError``) or ``int()``
(which reads ``１`` as 1). :func:`install` puts the converter and the JSON
provider on the app, for the API and the panel alike, so no route needs an
edit. May import flask, werkzeug, ``edge.platform.bounds`` and
``edge.api.problems``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter, Map

from edge.api.problems import ApiError
from edge.errors import FieldErrors
from edge.platform.bounds import MAX_ID, parse_row_id

__all__ = ["MAX_DEPTH", "BoundedJSONProvider", "RowIdConverter", "check_depth", "install"]

MAX_DEPTH = 32  # a basket is 3 levels deep; no request needs more than a handful

# A JSON string, unrolled so the regex engine never backtracks per character.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_AS_PARENS = bytes.maketrans(b"[]{}", b"()()")


class RowIdConverter(IntegerConverter):
    """Flask's ``int`` converter for row ids: ASCII digits, 1..2^63−1, else 404."""

    regex = r"[0-9]{1,19}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _too_deep() -> ApiError:
    return ApiError(
        422,
        "validation_error",
        f"the body is nested deeper than {MAX_DEPTH} levels",
        errors=[{"field": "body", "message": f"nested deeper than {MAX_DEPTH} levels"}],
    )


def check_depth(data: str | bytes) -> None:
    """Refuse JSON text nested deeper than :data:`MAX_DEPTH` (422) or with
    unbalanced brackets (400), without parsing it.

    Strings are cut out first (brackets inside them do not count); of the rest
    only the brackets stay. Each pass of ``replace("()", "")`` then removes one
    level of nesting, at C speed: a body that is not empty after MAX_DEPTH
    passes is deeper than that. Even a 12 MiB body costs a few passes.
    """
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return  # the common case: too few brackets to be deep
    rest = _STRING.sub(b"0", raw)
    if b'"' in rest:
        raise ApiError(400, "bad_request", "the body is not valid JSON")
    shape = rest.translate(_AS_PARENS, _NOT_BRACKETS)
    for _ in range(MAX_DEPTH):
        if not shape:
            return
        reduced = shape.replace(b"()", b"")
        if reduced == shape:  # brackets that never close (or close twice)
            raise ApiError(400, "bad_request", "the body is not valid JSON")
        shape = reduced
    if shape:
        raise _too_deep()


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with :func:`check_depth` before every parse, so
    ``request.get_json`` is bounded wherever it is called."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        check_depth(s)
        return super().loads(s, **kwargs)


def query_id(raw: str | None, field: str, message: str) -> int | None:
    """An optional row id in the query string (a group, a cursor), else a 422
    naming ``field``."""
    if raw is None:
        return None
    value = parse_row_id(raw)
    if value is None:
        raise FieldErrors.one(field, message)
    return value


def install(app: Flask) -> None:
    """The bounded ``int`` converter and JSON provider, before routes are added."""
    app.url_map.converters["int"] = RowIdConverter
    app.json = BoundedJSONProvider(app)
