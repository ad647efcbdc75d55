"""The served OpenAPI document, walked operation by operation.

Every operation has a summary, a description, a 2xx answer with a media type,
a schema and an example that the schema accepts (204: no body), and every
problem it can answer, grouped by status with each code's example; each code
exists in ``edge.api.problems.STATUS`` with that status.
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient

from edge.api.openapi import problem_codes
from edge.api.problems import PROBLEM_MIME, STATUS
from edge.api.registry import Operation

Op = tuple[str, str, dict[str, Any]]


@pytest.fixture
def doc(client: FlaskClient) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").get_json()  # type: ignore[no-any-return]


def _operations(doc: dict[str, Any]) -> Iterator[Op]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield f"{method.upper()} {path}", method, op


def _validator(doc: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Validator:
    # The document's own components resolve the "#/components/..." references.
    return jsonschema.Draft202012Validator({**schema, "components": doc["components"]})


def _ok(op: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    (status,) = [int(s) for s in op["responses"] if s.startswith("2")]
    return status, op["responses"][str(status)]


def test_every_operation_has_a_summary_and_a_description(doc: dict[str, Any]) -> None:
    ops = list(_operations(doc))
    assert len(ops) >= 30
    for where, _, op in ops:
        assert op["summary"].strip(), where
        assert len(op["description"].split()) >= 5, f"{where}: describe it in its docstring"


def test_every_operation_answers_a_2xx_with_schema_and_example(doc: dict[str, Any]) -> None:
    for where, _, op in _operations(doc):
        status, ok = _ok(op)
        assert ok["description"] == HTTPStatus(status).phrase, where  # no 201 "OK"
        if status == 204:
            assert "content" not in ok, where
            continue
        ((media_type, media),) = ok["content"].items()
        assert "schema" in media and "example" in media, f"{where}: {media_type}"
        if media_type == "application/json":
            errors = [
                e.message for e in _validator(doc, media["schema"]).iter_errors(media["example"])
            ]
            assert not errors, f"{where}: its example does not fit its schema: {errors[:3]}"
        else:
            assert isinstance(media["example"], str), where


def test_the_money_answers_have_their_own_schemas(doc: dict[str, Any]) -> None:
    expected = {
        "POST /api/v1/customers/{customer_id}/topups": "TopupOut",
        "POST /api/v1/payments/{payment_id}/refunds": "RefundOut",
        "POST /api/v1/quotes": "Quote",
        "POST /api/v1/checkouts": "CheckoutOut",
        "GET /api/v1/customers/{customer_id}/transactions": "TransactionPage",
        "GET /api/v1/customers/{customer_id}/purchases": "PurchasePage",
    }
    ops = {where: op for where, _, op in _operations(doc)}
    for where, name in expected.items():
        _, ok = _ok(ops[where])
        assert ok["content"]["application/json"]["schema"] == {
            "$ref": f"#/components/schemas/{name}"
        }
    assert "payment_id" in doc["components"]["schemas"]["CheckoutOut"]["required"]


def _problems(op: dict[str, Any]) -> dict[str, int]:
    """code -> status, as the document lists them."""
    found: dict[str, int] = {}
    for status, resp in op["responses"].items():
        if status.startswith("2"):
            continue
        media = resp["content"][PROBLEM_MIME]
        assert media["schema"] == {"$ref": "#/components/schemas/Problem"}
        for code, example in media["examples"].items():
            assert example["value"]["code"] == code and example["value"]["status"] == int(status)
            assert f"`{code}`" in resp["description"]
            found[code] = int(status)
    return found


def test_every_listed_problem_code_has_that_status_in_the_table(doc: dict[str, Any]) -> None:
    for where, _, op in _operations(doc):
        listed = _problems(op)
        wrong = {c: s for c, s in listed.items() if STATUS.get(c) != s}
        assert not wrong, f"{where}: codes not in STATUS with that status: {wrong}"


def test_the_common_problems_are_derived(doc: dict[str, Any]) -> None:
    for where, method, op in _operations(doc):
        listed = _problems(op)
        if op["security"]:
            assert {"unauthorized", "forbidden"} <= set(listed), where
        if "requestBody" in op or any(p["in"] == "query" for p in op.get("parameters", [])):
            assert "validation_error" in listed, where
        key = [p for p in op.get("parameters", []) if p["name"] == "Idempotency-Key"]
        if method == "post":
            assert key, f"{where}: every POST takes an Idempotency-Key"
        if key and key[0]["required"]:
            assert {"idempotency_key_missing", "idempotency_conflict"} <= set(listed), where


@pytest.mark.parametrize(
    ("where", "codes"),
    [
        ("POST /api/v1/payments/{payment_id}/refunds", {"refund_exceeds_payment", "not_found"}),
        ("POST /api/v1/checkouts", {"insufficient_funds", "card_blocked", "conflict"}),
        ("POST /api/v1/customers", {"duplicate_customer", "idempotency_conflict"}),
        ("GET /api/v1/cards/{uid}", {"card_blocked", "not_found"}),
        ("POST /api/v1/pair", {"invalid_pairing_code", "rate_limited"}),
        ("POST /api/v1/display", {"device_disabled"}),
    ],
)
def test_routes_list_their_own_problems(doc: dict[str, Any], where: str, codes: set[str]) -> None:
    ops = {w: op for w, _, op in _operations(doc)}
    assert codes <= set(_problems(ops[where]))


def test_routes_that_keep_no_key_never_conflict(doc: dict[str, Any]) -> None:
    ops = {w: op for w, _, op in _operations(doc)}
    for where in ("POST /api/v1/quotes", "POST /api/v1/pair"):
        assert "idempotency_conflict" not in _problems(ops[where]), where


def test_an_undeclared_code_is_a_loud_error() -> None:
    op = Operation("/x", "GET", "pos", endpoint="api.x", errors=("no_such_code",))
    with pytest.raises(LookupError, match="no_such_code"):
        problem_codes(op)
