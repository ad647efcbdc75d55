"""Route registration that validates and documents from the same schemas.

A route declares its scope, query/body/response pydantic models, whether
it takes an ``Idempotency-Key``, and the problem codes it can answer
(``errors``: codes of :data:`edge.api.problems.STATUS`; the ones every route
of its kind shares are derived in :mod:`edge.api.openapi`). Its summary is
the first paragraph of the view's docstring, its description the rest. The
wrapper authenticates, validates (a bad field becomes a field-level 422
problem), calls the view, and serialises the result.
:func:`edge.api.openapi.openapi_document` turns the same declarations into the
served OpenAPI 3.1 document. :data:`api` is the one POS API; a route module
declares its routes through a :class:`Section` (its tag and usual scope).
Path arguments named ``id`` or ``…_id`` are row ids: anything but ASCII
digits in 1..2^63−1 is a 404 before the view runs. May import flask,
pydantic, ``edge.platform.bounds``, ``edge.api.auth``, ``edge.api.idempotency``
and ``edge.api.problems``.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial, wraps
from typing import Any, Literal, TypedDict, TypeVar, Unpack

from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel, ValidationError

from edge.api import auth, idempotency
from edge.api.problems import ApiError
from edge.platform.bounds import parse_row_id

# "unused": the header is accepted (and checked) like on every POST, but the
# route writes nothing to replay (quotes, pairing), so it never conflicts.
Idem = Literal["required", "optional", "unused"] | None
View = TypeVar("View", bound=Callable[..., Any])


class RouteSpec(TypedDict, total=False):
    """What a route declares besides its rule, method and scope."""

    summary: str  # default: the view docstring's first paragraph
    description: str  # default: the rest of the docstring
    tags: tuple[str, ...]
    body: type[BaseModel] | None
    form: type[BaseModel] | None  # a multipart/form-data body the view reads itself
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    idempotency_key: Idem
    errors: tuple[str, ...]  # problem codes (STATUS keys) besides the derived ones
    content_type: str
    example: Any  # the 2xx answer's example; default: the response model's


class SectionSpec(RouteSpec, total=False):
    scope: str | None  # default: the section's


@dataclass(frozen=True)
class Operation:
    rule: str
    method: str
    scope: str | None
    endpoint: str = ""
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    body: type[BaseModel] | None = None
    form: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    idempotency_key: Idem = None
    errors: tuple[str, ...] = ()
    content_type: str = "application/json"
    example: Any = None


def summary_of(fn: Callable[..., Any]) -> str:
    """The first paragraph of ``fn``'s docstring on one line."""
    doc = inspect.getdoc(fn)
    if not doc:
        raise TypeError(f"route {fn.__name__}: give it a summary= or a docstring")
    return " ".join(doc.split("\n\n", 1)[0].split())


def description_of(fn: Callable[..., Any]) -> str:
    """The paragraphs of ``fn``'s docstring after the first (Markdown, as written)."""
    parts = (inspect.getdoc(fn) or "").split("\n\n", 1)
    return parts[1].strip() if len(parts) > 1 else ""


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "body"


def validation_problem(err: ValidationError, prefix: str = "") -> ApiError:
    errors = []
    for e in err.errors(include_url=False):
        path = _field_path(e["loc"])
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        errors.append({"field": f"{prefix}{path}", "message": msg})
    detail = "; ".join(f"{x['field']}: {x['message']}" for x in errors[:5])
    return ApiError(422, "validation_error", detail, errors=errors)


def parse_body(model: type[BaseModel]) -> BaseModel:
    has_body = bool(request.content_length) or bool(request.headers.get("Transfer-Encoding"))
    if has_body and not request.is_json:
        # Checked before reading: werkzeug would parse a form into request.form
        # and leave request.data empty.
        raise ApiError(415, detail="send the body as application/json")
    if not has_body:
        data: Any = {}
    else:
        data = request.get_json(silent=True)
        if data is None:
            raise ApiError(400, "bad_request", "the body is not valid JSON")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise validation_problem(e) from e


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict(flat=True))
    except ValidationError as e:
        raise validation_problem(e, prefix="query.") from e


def to_response(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        result, status = result
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json", by_alias=True)
    resp = jsonify(result)
    resp.status_code = status
    return resp


class Api:
    """A blueprint plus the operation list the OpenAPI document is built from."""

    def __init__(self, name: str = "api", url_prefix: str = "/api/v1") -> None:
        self.blueprint = Blueprint(name, __name__, url_prefix=url_prefix)
        self.url_prefix = url_prefix
        self.operations: list[Operation] = []

    def route(
        self, rule: str, method: str = "GET", *, scope: str | None, **spec: Unpack[RouteSpec]
    ) -> Callable[[View], View]:
        if method == "POST" and spec.get("idempotency_key") is None:
            spec["idempotency_key"] = "optional"  # API.md: every POST honours the header
        return partial(self._add, Operation(rule, method, scope, **spec))

    def section(self, *tags: str, scope: str | None = "pos") -> Section:
        return Section(self, tags, scope)

    def _add(self, op: Operation, fn: View) -> View:
        op = dataclasses.replace(
            op,
            endpoint=f"{self.blueprint.name}.{fn.__name__}",
            summary=op.summary or summary_of(fn),
            description=op.description or description_of(fn),
        )
        self.blueprint.add_url_rule(op.rule, fn.__name__, _view(op, fn), methods=[op.method])
        self.operations.append(op)
        return fn


def _check_path_ids(path_args: dict[str, Any]) -> None:
    for name, value in path_args.items():
        if (name == "id" or name.endswith("_id")) and parse_row_id(value) is None:
            raise ApiError(404, "not_found", f"no {name.removesuffix('_id') or 'id'} {value}")


def _view(op: Operation, fn: Callable[..., Any]) -> Callable[..., Response]:
    @wraps(fn)
    def view(**path_args: Any) -> Response:
        auth.require(op.scope)
        _check_path_ids(path_args)
        kwargs = dict(path_args)
        if op.query is not None:
            kwargs["query"] = parse_query(op.query)
        if op.body is not None:
            kwargs["body"] = parse_body(op.body)
        g.idempotency = idempotency.from_request(op.idempotency_key)
        return to_response(fn(**kwargs), op.status)

    return view


@dataclass(frozen=True)
class Section:
    """One route module's routes: their tags and usual scope, declared once.

    ``cards = api.section("cards")`` then ``@cards.post("/cards/<uid>/block",
    body=…, response=…)``; a route may still name another ``scope=``.
    """

    api: Api
    tags: tuple[str, ...]
    scope: str | None

    def _route(self, method: str, rule: str, spec: SectionSpec) -> Callable[[View], View]:
        scope = spec.pop("scope", self.scope)
        spec.setdefault("tags", self.tags)
        return self.api.route(rule, method, scope=scope, **spec)  # type: ignore[misc]

    def get(self, rule: str, **spec: Unpack[SectionSpec]) -> Callable[[View], View]:
        return self._route("GET", rule, spec)

    def post(self, rule: str, **spec: Unpack[SectionSpec]) -> Callable[[View], View]:
        return self._route("POST", rule, spec)

    def patch(self, rule: str, **spec: Unpack[SectionSpec]) -> Callable[[View], View]:
        return self._route("PATCH", rule, spec)

    def delete(self, rule: str, **spec: Unpack[SectionSpec]) -> Callable[[View], View]:
        return self._route("DELETE", rule, spec)


# The one POS API; route modules add to it, edge.api.routes loads them all.
api = Api()
