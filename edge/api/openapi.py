"""The served OpenAPI 3.1 document, built from the operations routes declared.

:func:`openapi_document` reads :attr:`edge.api.registry.Api.operations` (the
same pydantic models that validate the requests), so the contract cannot
drift from what is enforced. May import pydantic and ``edge.api``'s registry
and problems.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from edge.api.problems import TITLES
from edge.api.registry import Api

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
        if op.idempotency_key is not None:
            item["parameters"].append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": op.idempotency_key == "required",
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
        if op.idempotency_key == "required":
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
