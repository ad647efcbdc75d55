"""Every bad input to every API route (issue #15): the served OpenAPI document
is walked, and each route and method gets path ids of 0, −1, 2^63, 10^30 and
a full-width digit, a body nested 1,000 deep, 2^63 and 10^30 in each integer
field of its request schema, and a garbage cursor. Nothing may answer 5xx,
and every refusal is problem+json. The event stream is left out: its answer
never ends (its query has no integer fields)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from edge.platform.box import Box
from tests.support.panel import make_customer

BAD_IDS = ("0", "-1", str(2**63), str(10**30), "\uff11")  # １: FULLWIDTH DIGIT ONE
BAD_INTS = (2**63, 10**30)
DEEP = "[" * 1000 + "]" * 1000
STREAMS = {("/api/v1/events", "get")}
Path = tuple[str, ...]  # property names; "[]" steps into an array's items


@pytest.fixture
def walker(app: Flask, box: Box, make_token) -> Iterator[tuple[FlaskClient, str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    make_customer(box, last_name="Eins")  # customer 1: the valid ids below point at someone
    client = app.test_client()
    token = make_token("pos", "manager", name="walker")
    doc = client.get("/api/v1/openapi.json").get_json()
    yield client, token, doc


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for key in ("anyOf", "oneOf"):
        if key in schema:  # the first non-null alternative
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _resolve(doc, options[0]) if options else {"type": "null"}
    return schema


def _int_paths(doc: dict[str, Any], schema: dict[str, Any], at: Path = ()) -> Iterator[Path]:
    s = _resolve(doc, schema)
    if s.get("type") == "integer":
        yield at
    for name, sub in s.get("properties", {}).items():
        yield from _int_paths(doc, sub, (*at, name))
    if s.get("type") == "array" and "items" in s:
        yield from _int_paths(doc, s["items"], (*at, "[]"))


def _instance(doc: dict[str, Any], schema: dict[str, Any], target: Path, bad: int) -> Any:
    """A small valid-looking value of ``schema``, with ``bad`` at ``target``."""
    s = _resolve(doc, schema)
    if target == () and s.get("type") == "integer":
        return bad
    if "enum" in s:
        return s["enum"][0]
    kind = s.get("type")
    if kind == "object" or "properties" in s:
        props = s.get("properties", {})
        out = {
            name: _instance(doc, props[name], (), bad)
            for name in s.get("required", [])
            if name in props
        }
        if target:
            out[target[0]] = _instance(doc, props[target[0]], target[1:], bad)
        return out
    if kind == "array":
        return [_instance(doc, s.get("items", {}), target[1:], bad)]
    return {"integer": 1, "number": 1, "boolean": False, "null": None}.get(str(kind), "1")


def _call(client: FlaskClient, token: str, method: str, path: str, body: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return client.open(path, method=method.upper(), data=body, headers=headers)


def _assert_answer(resp: Any, what: str) -> None:
    assert resp.status_code < 500, (what, resp.status_code, resp.get_data(as_text=True)[:300])
    if resp.status_code >= 400:
        assert resp.mimetype == "application/problem+json", (what, resp.mimetype)


def _with_ids(path: str, value: str) -> str:
    out = path
    while "{" in out:
        start = out.index("{")
        out = out[:start] + value + out[out.index("}", start) + 1 :]
    return out


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if (path, method) not in STREAMS:
                yield path, method, op


def test_bad_path_ids_are_404_on_every_route(walker) -> None:  # type: ignore[no-untyped-def]
    client, token, doc = walker
    probed = 0
    for path, method, _op in _operations(doc):
        if "{" not in path:
            continue
        for bad in BAD_IDS:
            resp = _call(client, token, method, _with_ids(path, bad), "{}")
            _assert_answer(resp, f"{method} {path} id={bad!r}")
            if "_id}" in path or "{id}" in path:
                assert resp.status_code == 404, (method, path, bad, resp.status_code)
            probed += 1
    assert probed > 60  # every id route was reached


def test_deep_json_is_a_field_error_on_every_route(walker) -> None:  # type: ignore[no-untyped-def]
    client, token, doc = walker
    with_body = 0
    for path, method, op in _operations(doc):
        resp = _call(client, token, method, _with_ids(path, "1"), DEEP)
        _assert_answer(resp, f"{method} {path} deep body")
        if "requestBody" in op:
            assert resp.status_code == 422, (method, path, resp.status_code)
            assert resp.get_json()["errors"][0]["field"] == "body"
            with_body += 1
    assert with_body > 15


def test_huge_ints_in_every_body_field_are_refused(walker) -> None:  # type: ignore[no-untyped-def]
    client, token, doc = walker
    fields = 0
    for path, method, op in _operations(doc):
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None:
            continue
        schema = content["schema"]
        for target in _int_paths(doc, schema):
            for bad in BAD_INTS:
                body = _instance(doc, schema, target, bad)
                resp = _call(client, token, method, _with_ids(path, "1"), json.dumps(body))
                what = f"{method} {path} {'.'.join(target)}={bad}"
                _assert_answer(resp, what)
                assert resp.status_code == 422, (what, resp.get_data(as_text=True)[:300])
                fields += 1
    assert fields > 20  # amounts, quantities, prices, points, counts …


def test_garbage_in_every_query_parameter(walker) -> None:  # type: ignore[no-untyped-def]
    client, token, doc = walker
    cursors = 0
    for path, method, op in _operations(doc):
        for param in op.get("parameters", []):
            if param["in"] != "query":
                continue
            values: tuple[Any, ...] = ("garbage", "\uff11", *BAD_INTS)
            for bad in values:
                url = f"{_with_ids(path, '1')}?{param['name']}={bad}"
                resp = _call(client, token, method, url)
                _assert_answer(resp, f"{method} {url}")
                if param["name"] == "cursor":
                    assert resp.status_code == 422, (url, resp.status_code)
                    cursors += 1
    assert cursors >= 4 * 4  # customers, history, transactions, purchases
