"""Route registration that validates and documents from the same schemas.

A route declares its scope, query/body/response pydantic models and whether
it takes an ``Idempotency-Key``. The wrapper authenticates, validates (a bad
field becomes a field-level 422 problem), calls the view, and serialises the
result. :func:`openapi_document` turns the same declarations into the served
OpenAPI 3.1 document, so the contract cannot drift from what is enforced.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Literal

from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from edge.api import auth, idempotency
from edge.api.problems import TITLES, ApiError

Idem = Literal["required", "optional"] | None


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    scope: str | None
    summary: str
    tags: tuple[str, ...]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    idempotency: Idem
    errors: tuple[int, ...]
    content_type: str = "application/json"
    extra_params: list[dict[str, Any]] = field(default_factory=list)


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
        self,
        rule: str,
        method: str = "GET",
        *,
        scope: str | None,
        summary: str,
        tags: tuple[str, ...] = (),
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        idempotency_key: Idem = None,
        errors: tuple[int, ...] = (),
        content_type: str = "application/json",
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        if method == "POST" and idempotency_key is None:
            idempotency_key = "optional"  # API.md: every POST honours the header

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            endpoint = fn.__name__

            @wraps(fn)
            def view(**path_args: Any) -> Response:
                auth.require(scope)
                kwargs = dict(path_args)
                if query is not None:
                    kwargs["query"] = parse_query(query)
                if body is not None:
                    kwargs["body"] = parse_body(body)
                g.idempotency = idempotency.from_request(idempotency_key)
                return to_response(fn(**kwargs), status)

            self.blueprint.add_url_rule(rule, endpoint, view, methods=[method])
            self.operations.append(
                Operation(
                    rule=rule,
                    method=method,
                    endpoint=f"{self.blueprint.name}.{endpoint}",
                    scope=scope,
                    summary=summary,
                    tags=tags,
                    body=body,
                    query=query,
                    response=response,
                    status=status,
                    idempotency=idempotency_key,
                    errors=errors,
                    content_type=content_type,
                )
            )
            return fn

        return decorate


# The one POS API; route modules add to it, edge.api.routes loads them all.
api = Api()


_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _openapi_path(rule: str) -> str:
    return _PATH_PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def _problem_ref() -> dict[str, Any]:
    return {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "additionalProperties": True,
}


def openapi_document(api: Api, *, title: str, version: str) -> dict[str, Any]:
    models: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = []
    for op in api.operations:
        for m in (op.body, op.query):
            if m is not None and (m, "validation") not in models:
                models.append((m, "validation"))
        if op.response is not None and (op.response, "serialization") not in models:
            models.append((op.response, "serialization"))
    refs, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["Problem"] = PROBLEM_SCHEMA

    paths: dict[str, dict[str, Any]] = {}
    for op in api.operations:
        path = _openapi_path(api.url_prefix + op.rule)
        item: dict[str, Any] = {
            "operationId": op.endpoint.split(".", 1)[1],
            "summary": op.summary,
            "tags": list(op.tags),
            "parameters": [],
            "responses": {},
        }
        for m in _PATH_PARAM.finditer(op.rule):
            conv = m.group(1)
            item["parameters"].append(
                {
                    "name": m.group(2),
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer" if conv == "int" else "string"},
                }
            )
        if op.query is not None:
            qschema = op.query.model_json_schema()
            required = set(qschema.get("required", []))
            for name, prop in qschema.get("properties", {}).items():
                prop = {k: v for k, v in prop.items() if k != "title"}
                item["parameters"].append(
                    {"name": name, "in": "query", "required": name in required, "schema": prop}
                )
        if op.idempotency is not None:
            item["parameters"].append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": op.idempotency == "required",
                    "description": "Repeating a key with the same body returns the first "
                    "response; a different body is refused with idempotency_conflict.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                }
            )
        if op.body is not None:
            item["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
            }
        ok: dict[str, Any] = {"description": "OK"}
        if op.response is not None:
            ok["content"] = {op.content_type: {"schema": refs[(op.response, "serialization")]}}
        elif op.content_type != "application/json":
            ok["content"] = {op.content_type: {"schema": {"type": "string"}}}
        item["responses"][str(op.status)] = ok
        error_statuses = set(op.errors)
        if op.scope is not None:
            error_statuses |= {401, 403}
            item["security"] = [{"bearer": [op.scope]}]
        else:
            item["security"] = []
        if op.body is not None or op.query is not None:
            error_statuses |= {422}
        if op.body is not None:
            error_statuses |= {400, 415}
        if op.idempotency == "required":
            error_statuses |= {400}
        for st in sorted(error_statuses):
            item["responses"][str(st)] = {
                "description": TITLES.get(st, "Error"),
                "content": _problem_ref(),
            }
        if not item["parameters"]:
            del item["parameters"]
        paths.setdefault(path, {})[op.method.lower()] = item

    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "TillEdge POS API. Money is in integer minor units.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Terminal token; scopes: pos, manager, thirdparty, admin",
                }
            },
        },
    }
