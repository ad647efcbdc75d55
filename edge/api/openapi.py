"""The served OpenAPI 3.1 document, built from the operations routes declared.

:func:`openapi_document` reads :attr:`edge.api.registry.Api.operations` (the
same pydantic models that validate the requests), so the contract cannot
drift from what is enforced. Every operation gets its summary, description,
2xx answer with schema and example, and every problem it can answer: the
codes it declares plus those its kind always can (:func:`problem_codes`),
grouped by status with one example per code. May import pydantic and
``edge.api``'s registry and problems.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from edge.api.problems import PROBLEM_MIME, STATUS, TITLES
from edge.api.registry import Api, Operation

_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _openapi_path(rule: str) -> str:
    return _PATH_PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


# What every route of a kind can answer, whatever it declares.
AUTH_CODES = ("unauthorized", "forbidden")
INPUT_CODES = ("validation_error",)
BODY_CODES = ("bad_request", "unsupported_media_type", "payload_too_large")
IDEMPOTENCY_CODES = {
    "required": ("idempotency_key_missing", "bad_request", "idempotency_conflict"),
    "optional": ("bad_request", "idempotency_conflict"),
    "unused": ("bad_request",),  # a malformed key is refused even where none is kept
}
IDEMPOTENCY_TEXT = {
    "required": "Required: repeating a key with the same request returns the first answer "
    "(`Idempotent-Replayed: true`); another request under it is `idempotency_conflict`.",
    "optional": "Repeating a key with the same request returns the first answer "
    "(`Idempotent-Replayed: true`); another request under it is `idempotency_conflict`.",
    "unused": "Accepted like on every POST, but nothing is kept: a retry is answered anew.",
}


def problem_codes(op: Operation) -> dict[str, int]:
    """Every problem code ``op`` can answer, with its status from ``STATUS``."""
    codes: list[str] = []
    if op.scope is not None:
        codes += AUTH_CODES
    if op.body is not None or op.form is not None or op.query is not None:
        codes += INPUT_CODES
    if op.body is not None or op.form is not None:
        codes += BODY_CODES
    if op.idempotency_key is not None:
        codes += IDEMPOTENCY_CODES[op.idempotency_key]
    codes += op.errors
    unknown = [c for c in codes if c not in STATUS]
    if unknown:
        raise LookupError(f"{op.endpoint}: problem codes without a status in STATUS: {unknown}")
    return {c: STATUS[c] for c in dict.fromkeys(codes)}


def _problem_responses(codes: dict[str, int]) -> dict[str, Any]:
    """One response per status; its codes named in the description and as examples."""
    out: dict[str, Any] = {}
    for status in sorted(set(codes.values())):
        mine = [c for c, s in codes.items() if s == status]
        title = TITLES.get(status, "Error")
        examples = {
            code: {
                "summary": code,
                "value": {
                    "type": f"https://tilledge.dev/problems/{code.replace('_', '-')}",
                    "title": title,
                    "status": status,
                    "detail": title,
                    "code": code,
                    "errors": [],
                },
            }
            for code in mine
        }
        out[str(status)] = {
            "description": f"{title}: " + ", ".join(f"`{c}`" for c in mine),
            "content": {
                PROBLEM_MIME: {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "examples": examples,
                }
            },
        }
    return out


def _narrowed(base: dict[str, Any], branch: dict[str, Any]) -> dict[str, Any]:
    """``base`` (often ``anyOf`` [T, null]) as the branch allows it: the option of its type."""
    options = [o for o in base.get("anyOf", []) if o.get("type") == branch.get("type")]
    if len(options) != 1:
        return {**base, **branch}
    rest = {k: v for k, v in base.items() if k not in ("anyOf", "default")}
    return {**rest, **options[0]}


def split_one_of(schemas: dict[str, Any]) -> None:
    """Turn "these properties, and exactly one of these required" into complete
    variants, one component each (``BasketIn`` → ``BasketInByCustomerId`` |
    ``BasketInByCardUid``).

    Both say the same in JSON Schema, but client generators read branches that
    only add a constraint as objects of their own and lose every other member.
    """
    for name, schema in list(schemas.items()):
        branches = schema.get("oneOf")
        if not branches or "properties" not in schema:
            continue
        base = {k: v for k, v in schema.items() if k not in ("oneOf", "title", "description")}
        refs = []
        for branch in branches:
            (field,) = branch["required"]
            props = dict(base["properties"])
            props[field] = _narrowed(props[field], branch["properties"][field])
            variant = f"{name}By" + "".join(w.title() for w in field.split("_"))
            schemas[variant] = {
                **base,
                "title": variant,
                "description": f"{schema.get('description', name)} (this variant: `{field}`)",
                "properties": props,
                "required": [field, *base.get("required", [])],
            }
            refs.append({"$ref": f"#/components/schemas/{variant}"})
        schemas[name] = {"title": name, "description": schema.get("description", ""),
                         "oneOf": refs}  # fmt: skip


def _model_example(model: type[BaseModel]) -> Any:
    examples = (model.model_config.get("json_schema_extra") or {}).get("examples")  # type: ignore[union-attr]
    return examples[0] if examples else None


def _ok_response(op: Operation, refs: dict[Any, Any]) -> dict[str, Any]:
    """The 2xx answer: its status phrase, media type, schema and example."""
    ok: dict[str, Any] = {"description": HTTPStatus(op.status).phrase}
    if op.status == 204:
        return ok
    if op.response is not None:
        media: dict[str, Any] = {"schema": refs[(op.response, "serialization")]}
        example = op.example if op.example is not None else _model_example(op.response)
    else:
        json_ = op.content_type == "application/json"
        media = {"schema": {"type": "object" if json_ else "string"}}
        example = op.example
    if example is not None:
        media["example"] = example
    ok["content"] = {op.content_type: media}
    return ok


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
        for m in (op.body, op.form, op.query):
            if m is not None and (m, "validation") not in models:
                models.append((m, "validation"))
        if op.response is not None and (op.response, "serialization") not in models:
            models.append((op.response, "serialization"))
    refs, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    split_one_of(schemas)
    schemas["Problem"] = PROBLEM_SCHEMA

    paths: dict[str, dict[str, Any]] = {}
    for op in api.operations:
        path = _openapi_path(api.url_prefix + op.rule)
        item: dict[str, Any] = {
            "operationId": op.endpoint.split(".", 1)[1],
            "summary": op.summary,
            "description": op.description,
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
                    "description": IDEMPOTENCY_TEXT[op.idempotency_key],
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                }
            )
        if op.body is not None:
            item["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
            }
        if op.form is not None:
            item["requestBody"] = {
                "required": True,
                "content": {"multipart/form-data": {"schema": refs[(op.form, "validation")]}},
            }
        item["responses"][str(op.status)] = _ok_response(op, refs)
        item["responses"].update(_problem_responses(problem_codes(op)))
        item["security"] = [{"bearer": [op.scope]}] if op.scope is not None else []
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
