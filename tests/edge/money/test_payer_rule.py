"""SPEC §5: a quote or checkout names exactly one payer, customer id or card uid."""

from __future__ import annotations

import jsonschema
import pytest

from .conftest import journal_count

pytestmark = pytest.mark.usefixtures("writes_in")  # see conftest.py

UID = "04A1B2C3D4E5F6"
LINES = [{"unit_price": 899, "vat_rate_bp": 1900}]
CREDIT = [{"type": "credit"}]


@pytest.fixture
def card_owner(box, new_customer, pos):
    """A customer with 40,00 € credit (below the bonus tier) and card ``UID``."""
    cid = new_customer()
    box.db.write(
        lambda conn: conn.execute(
            "INSERT INTO cards (uid, customer_id, created_at, created_by) VALUES (?, ?, 'x', 'x')",
            [UID, int(cid)],
        )
    )
    assert pos.post(f"/customers/{cid}/topups", {"amount": 4000}).status_code == 201
    return cid


def purchases(box) -> int:
    return box.db.reader().execute("SELECT count(*) FROM purchases").fetchone()[0]


@pytest.mark.parametrize("path", ["/quotes", "/checkouts"])
@pytest.mark.parametrize("whose", ["own", "other"])
def test_both_payers_are_refused_and_nothing_is_written(
    pos, box, card_owner, new_customer, path, whose
):
    cid = card_owner if whose == "own" else new_customer()
    before = journal_count(box), purchases(box)
    body = {"customer_id": cid, "card_uid": UID, "lines": LINES, "tenders": CREDIT}
    r = pos.post(path, {**body, "receipt_no": f"BOTH-{whose}"})
    assert r.status_code == 422, r.json
    assert r.json["code"] == "validation_error"
    assert {e["field"] for e in r.json["errors"]} == {"customer_id", "card_uid"}
    assert (journal_count(box), purchases(box)) == before
    assert pos.get(f"/customers/{card_owner}").json["cash"] == 4000


@pytest.mark.parametrize("path", ["/quotes", "/checkouts"])
@pytest.mark.parametrize("nulls", [{}, {"customer_id": None, "card_uid": None}])
def test_no_payer_is_refused(pos, box, path, nulls):
    before = journal_count(box)
    r = pos.post(path, {**nulls, "receipt_no": "NONE", "lines": LINES})
    assert r.status_code == 422, r.json
    assert r.json["code"] == "validation_error"
    assert {e["field"] for e in r.json["errors"]} == {"customer_id", "card_uid"}
    assert journal_count(box) == before


def test_an_unknown_card_is_not_found(pos, box, card_owner):
    before = journal_count(box)
    r = pos.post("/checkouts", {"card_uid": "04FFFFFFFFFFFF", "lines": LINES, "tenders": CREDIT})
    assert r.status_code == 404, r.json
    assert journal_count(box) == before


def test_a_card_pays_for_its_owner(pos, card_owner, new_customer):
    other = new_customer()
    body = {"card_uid": "04:a1:b2:c3:d4:e5:f6", "receipt_no": "CARD-1", "lines": LINES}
    r = pos.post("/checkouts", {**body, "tenders": CREDIT, "customer_id": None})
    assert r.status_code == 201, r.json
    assert (r.json["customer_id"], r.json["from_cash"], r.json["cash"]) == (card_owner, 899, 3101)
    assert pos.get(f"/customers/{other}/purchases").json["stats"]["count"] == 0


def test_a_customer_id_pays_as_before(pos, card_owner):
    r = pos.post("/quotes", {"customer_id": card_owner, "lines": LINES, "tenders": CREDIT})
    assert r.status_code == 200, r.json
    assert (r.json["customer_id"], r.json["total"], r.json["cash"]) == (card_owner, 899, 3101)


def test_the_published_schema_says_exactly_one_payer(client):
    doc = client.get("/api/v1/openapi.json").json
    op = doc["paths"]["/api/v1/checkouts"]["post"]
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    # The document's own components resolve the "#/components/..." references.
    validator = jsonschema.Draft202012Validator({"$ref": ref, "components": doc["components"]})
    valid = [{"customer_id": "7"}, {"card_uid": UID}, {"card_uid": UID, "customer_id": None}]
    invalid = [{}, {"customer_id": "7", "card_uid": UID}, {"customer_id": None}]
    for payer in valid:
        assert validator.is_valid({**payer, "lines": LINES}), payer
    for payer in invalid:
        assert not validator.is_valid({**payer, "lines": LINES}), payer
