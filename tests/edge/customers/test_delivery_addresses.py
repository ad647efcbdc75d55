"""BACKOFFICE §11 delivery addresses through the API: CRUD, exactly one
default, field-level refusals, history, the checkout naming one, the tap."""

from __future__ import annotations

import pytest

from .conftest import field_errors

HOME = {"label": "Home", "street": "Hauptstraße", "house_number": "5a",
        "postal_code": "80331", "city": "München", "country": "de"}  # fmt: skip


def add(pos, cid, **fields):
    r = pos.post(f"/customers/{cid}/addresses", {**HOME, **fields})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def defaults(pos, cid):
    return [a["label"] for a in pos.get(f"/customers/{cid}/addresses").get_json()["items"]
            if a["is_default"]]  # fmt: skip


def test_first_address_is_the_default_and_the_country_is_normalised(pos, mk):
    cid = mk()["id"]
    a = add(pos, cid)
    assert a["is_default"] is True
    assert a["country"] == "DE"
    # No geocoder configured (the default): nothing is pending, nothing asked.
    assert (a["geo_state"], a["geo_source"], a["latitude"]) == ("none", "none", None)
    b = add(pos, cid, label="Office")
    assert b["is_default"] is False
    assert pos.get(f"/customers/{cid}/addresses/{b['id']}").get_json()["label"] == "Office"


def test_making_another_default_moves_it(pos, mk):
    cid = mk()["id"]
    add(pos, cid)
    office = add(pos, cid, label="Office")
    r = pos.post(f"/customers/{cid}/addresses/{office['id']}/default")
    assert r.status_code == 200 and r.get_json()["is_default"] is True
    assert defaults(pos, cid) == ["Office"]
    add(pos, cid, label="Shop", is_default=True)
    assert defaults(pos, cid) == ["Shop"]
    page = pos.get(f"/customers/{cid}/addresses").get_json()
    assert page["total"] == 3 and page["items"][0]["label"] == "Shop"  # default first


def test_deleting_the_default_promotes_the_oldest_other(pos, mk):
    cid = mk()["id"]
    home = add(pos, cid)
    add(pos, cid, label="Office")
    add(pos, cid, label="Shop")
    assert pos.delete(f"/customers/{cid}/addresses/{home['id']}").status_code == 204
    assert defaults(pos, cid) == ["Office"]
    assert pos.get(f"/customers/{cid}/addresses/{home['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"latitude": 91, "longitude": 10}, "latitude"),
        ({"latitude": 48.1}, "longitude"),
        ({"label": ""}, "label"),
        ({"label": "Ho\u202eme"}, "label"),
        ({"street": "x" * 101}, "street"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_fields_are_refused_field_by_field(pos, mk, box, body, field):
    cid = mk()["id"]
    r = pos.post(f"/customers/{cid}/addresses", {**HOME, **body})
    assert r.status_code == 422
    assert field in field_errors(r)
    count = box.db.reader().execute("SELECT count(*) FROM delivery_addresses").fetchone()[0]
    assert count == 0  # nothing half-saved


def test_patch_refuses_a_null_label_and_half_a_pin(pos, mk):
    cid = mk()["id"]
    a = add(pos, cid)
    r = pos.patch(f"/customers/{cid}/addresses/{a['id']}", {"label": None})
    assert r.status_code == 422 and "label" in field_errors(r)
    r = pos.patch(f"/customers/{cid}/addresses/{a['id']}", {"latitude": None})
    assert r.status_code == 422 and "longitude" in field_errors(r)


def test_manual_pin_and_its_removal(pos, mk):
    cid = mk()["id"]
    a = add(pos, cid)
    url = f"/customers/{cid}/addresses/{a['id']}"
    r = pos.patch(url, {"latitude": 48.5, "longitude": 11.25})
    got = r.get_json()
    assert (got["geo_source"], got["geo_state"], got["latitude"]) == ("manual", "manual", 48.5)
    # Editing the text keeps the pin: staff placed it on purpose.
    got = pos.patch(url, {"street": "Nebenstraße"}).get_json()
    assert (got["geo_source"], got["longitude"]) == ("manual", 11.25)
    got = pos.patch(url, {"latitude": None, "longitude": None}).get_json()
    assert (got["geo_source"], got["latitude"]) == ("none", None)


def test_changes_are_in_the_customer_history(pos, mk):
    cid = mk()["id"]
    a = add(pos, cid)
    pos.patch(f"/customers/{cid}/addresses/{a['id']}", {"city": "Augsburg"})
    pos.delete(f"/customers/{cid}/addresses/{a['id']}")
    items = pos.get(f"/customers/{cid}/history").get_json()["items"]
    mine = [h for h in items if h["field"] == "delivery_addresses"]
    assert len(mine) == 3
    deleted, changed, created = mine
    assert created["old"] is None and created["new"]["label"] == "Home"
    assert (changed["old"]["city"], changed["new"]["city"]) == ("München", "Augsburg")
    assert deleted["new"] is None and deleted["actor"].startswith("terminal:")


def test_another_customers_address_is_not_found(pos, mk):
    one, other = mk()["id"], mk()["id"]
    a = add(pos, one)
    assert pos.get(f"/customers/{other}/addresses/{a['id']}").status_code == 404
    assert pos.patch(f"/customers/{other}/addresses/{a['id']}", {"city": "X"}).status_code == 404
    assert pos.delete(f"/customers/{other}/addresses/{a['id']}").status_code == 404
    assert pos.get("/customers/999/addresses").status_code == 404


def test_post_is_idempotent_by_key(pos, mk, box):
    cid = mk()["id"]
    first = pos.post(f"/customers/{cid}/addresses", HOME, idem="addr-1")
    again = pos.post(f"/customers/{cid}/addresses", HOME, idem="addr-1")
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert box.db.reader().execute("SELECT count(*) FROM delivery_addresses").fetchone()[0] == 1


def _line():
    return {"quantity": "1", "unit_price": 500, "vat_rate_bp": 1900}


def test_checkout_keeps_the_named_delivery_address(pos, mk):
    cid = mk()["id"]
    a = add(pos, cid)
    pos.post(f"/customers/{cid}/topups", {"amount": 1000})
    body = {"customer_id": cid, "lines": [_line()], "tenders": [{"type": "credit"}],
            "delivery_address_id": a["id"]}  # fmt: skip
    quote = pos.post("/quotes", body).get_json()
    assert quote["delivery_address"] == "Home: Hauptstraße 5a, 80331 München, DE"
    r = pos.post("/checkouts", body)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["delivery_address_id"] == a["id"]
    # Deleting the address later does not change what the purchase says.
    pos.delete(f"/customers/{cid}/addresses/{a['id']}")
    item = pos.get(f"/customers/{cid}/purchases").get_json()["items"][0]
    assert item["delivery_address"] == "Home: Hauptstraße 5a, 80331 München, DE"


def test_checkout_refuses_another_customers_address(pos, mk):
    cid, other = mk()["id"], mk()["id"]
    theirs = add(pos, other)
    for route in ("/quotes", "/checkouts"):
        r = pos.post(route, {"customer_id": cid, "lines": [_line()],
                             "delivery_address_id": theirs["id"]})  # fmt: skip
        assert r.status_code == 422
        assert "delivery_address_id" in field_errors(r)


def test_tap_says_whether_a_default_exists(pos, mk):
    cid = mk()["id"]
    pos.post(f"/customers/{cid}/cards", {"uid": "04a1b2c3"})
    customer = pos.get("/cards/04A1B2C3").get_json()["customer"]
    assert customer["has_default_delivery_address"] is False
    assert customer["default_delivery_address"] is None
    add(pos, cid, label="Büro")
    customer = pos.get("/cards/04A1B2C3").get_json()["customer"]
    assert customer["has_default_delivery_address"] is True
    assert customer["default_delivery_address"] == "Büro"
