"""Every field rule, valid and invalid, through POST /customers (and PATCH)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from .conftest import field_errors

TOMORROW = (date.today() + timedelta(days=1)).isoformat()

# (field, value sent, value stored)
VALID = [
    ("email", "Thomas@Example.COM", "Thomas@example.com"),
    ("invoice_email", "buchhaltung@firma.de", "buchhaltung@firma.de"),
    ("phone", "089 1234567", "+49891234567"),
    ("phone", "+49 (89) 123-4567", "+49891234567"),
    ("phone", "0043 664 1234567", "+436641234567"),
    ("mobile", "0170 1234567", "+491701234567"),
    ("business_phone", "+33 1 42 68 53 00", "+33142685300"),
    ("fax", "030 12345678", "+493012345678"),
    ("whatsapp", "+49 170 1234567", "+491701234567"),
    ("iban", "DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ("bic", "COBADEFFXXX", "COBADEFFXXX"),
    ("vat_id", "DE 136 695 976", "DE136695976"),
    ("vat_id", "ATU13585627", "ATU13585627"),
    ("country", "DE", "DE"),
    ("country", "at", "AT"),
    ("discount_percent", 0, 0),
    ("discount_percent", 100, 100),
    ("discount_percent", None, None),
    ("memo", "x" * 200, "x" * 200),
    ("date_of_birth", "1985-06-15", "1985-06-15"),
    ("latitude", 48.137, 48.137),
    ("longitude", -180, -180),
    ("gender", "diverse", "diverse"),
    ("preferred_language", "de-AT", "de-AT"),
    ("homepage", "example.com", "https://example.com"),
    ("homepage", "http://cafe-nord.de/menu", "http://cafe-nord.de/menu"),
    ("payment_terms_days", 30, 30),
    ("credit_limit", 500000, 500000),
    ("price_level", 2, 2),
    ("sepa_mandate_reference", "MANDAT-2024-001", "MANDAT-2024-001"),
    ("sepa_mandate_date", "2024-01-15", "2024-01-15"),
    ("title", "Dr.", "Dr."),
    ("alias", "", None),
    ("whatsapp_opt_in", True, True),
    ("net_mode", True, True),
    ("points_blocked", True, True),
    ("is_employee", True, True),
    ("customer_number", 4711, 4711),
]

INVALID = [
    ("email", "not-an-email"),
    ("email", "a@b"),
    ("invoice_email", "x@"),
    ("phone", "12"),
    ("phone", "abc"),
    ("mobile", "+49 170"),
    ("iban", "DE89 3704 0044 0532 0130 01"),
    ("iban", "XX00"),
    ("bic", "COBA"),
    ("vat_id", "DE136695977"),
    ("vat_id", "US123456789"),
    ("country", "XX"),
    ("country", "DEU"),
    ("discount_percent", 101),
    ("discount_percent", -1),
    ("discount_percent", 12.5),
    ("discount_percent", "10"),
    ("memo", "x" * 201),
    ("date_of_birth", TOMORROW),
    ("date_of_birth", "2020-02-30"),
    ("date_of_birth", "1899-12-31"),
    ("latitude", 90.5),
    ("longitude", -181),
    ("gender", "x"),
    ("preferred_language", "German"),
    ("homepage", "not a url"),
    ("payment_terms_days", 366),
    ("credit_limit", -1),
    ("credit_limit", 10**12 + 1),
    ("price_level", 0),
    ("sepa_mandate_reference", "ü" * 3),
    ("sepa_mandate_date", TOMORROW),
    ("whatsapp_opt_in", "maybe"),
    ("group_id", "999"),
    ("group_id", "abc"),
    ("type", "company"),
    ("customer_number", 0),
    ("no_such_field", 1),
]


@pytest.mark.parametrize(("field", "value", "stored"), VALID)
def test_valid_values_are_stored_normalised(pos, field, value, stored):
    # A mandate reference comes with its date of signature and the debtor IBAN.
    mandate = {"sepa_mandate_date": "2024-01-15", "iban": "DE89370400440532013000"}
    extra = mandate if field == "sepa_mandate_reference" else {}
    r = pos.post("/customers", json={"last_name": "Muster", field: value, **extra})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()[field] == stored


@pytest.mark.parametrize(("field", "value"), INVALID)
def test_invalid_values_get_a_field_error_and_nothing_is_saved(pos, field, value):
    r = pos.post("/customers", json={"last_name": "Muster", field: value})
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["code"] == "validation_error"
    assert field in field_errors(r), body
    assert pos.get("/customers").get_json()["total"] == 0


@pytest.mark.parametrize(("field", "value"), INVALID[:12])
def test_patch_with_an_invalid_value_changes_nothing(pos, mk, field, value):
    c = mk(email="ok@example.com")
    r = pos.patch(f"/customers/{c['id']}", json={"first_name": "Neu", field: value})
    assert r.status_code == 422
    assert field in field_errors(r)
    after = pos.get(f"/customers/{c['id']}").get_json()
    assert after == c
    assert [h["field"] for h in pos.get(f"/customers/{c['id']}/history").get_json()["items"]] == [
        "created"
    ]


def test_several_bad_fields_are_reported_together(pos):
    r = pos.post(
        "/customers",
        json={"last_name": "M", "email": "bad", "iban": "DE00", "phone": "1", "country": "ZZ"},
    )
    assert r.status_code == 422
    assert set(field_errors(r)) == {"email", "iban", "phone", "country"}


def test_individual_needs_last_name_business_needs_company(pos):
    r = pos.post("/customers", json={"first_name": "Anna"})
    assert field_errors(r) == {"last_name": "required for an individual customer"}
    r = pos.post("/customers", json={"type": "business", "last_name": "Anna"})
    assert "company_name" in field_errors(r)
    r = pos.post(
        "/customers",
        json={"type": "business", "company_name": "Bäckerei Kunz GmbH", "first_name": "Eva"},
    )
    assert r.status_code == 201
    assert r.get_json()["display_name"] == "Bäckerei Kunz GmbH"


def test_type_can_change_later_with_its_required_field(pos, mk):
    c = mk(first_name="Eva", last_name="Kunz")
    r = pos.patch(f"/customers/{c['id']}", json={"type": "business"})
    assert "company_name" in field_errors(r)
    r = pos.patch(f"/customers/{c['id']}", json={"type": "business", "company_name": "Kunz KG"})
    assert r.status_code == 200
    assert r.get_json()["display_name"] == "Kunz KG"


def test_third_party_memo_needs_the_thirdparty_scope(pos, thirdparty, mk):
    r = pos.post("/customers", json={"last_name": "M", "third_party_memo": "x"})
    assert r.status_code == 403
    assert field_errors(r) == {"third_party_memo": "needs the thirdparty scope"}
    c = mk()
    r = pos.patch(f"/customers/{c['id']}", json={"third_party_memo": "x"})
    assert r.status_code == 403
    big = "ä" * 1_000_000

    def send(text: str):  # UTF-8 on the wire (escaped, 1M "ä" would be 6 MB)
        return thirdparty.client.patch(
            f"/api/v1/customers/{c['id']}",
            data=json.dumps({"third_party_memo": text}, ensure_ascii=False).encode(),
            content_type="application/json",
            headers={"Authorization": f"Bearer {thirdparty.token}"},
        )

    r = send(big)
    assert r.status_code == 200, r.get_json()
    assert pos.get(f"/customers/{c['id']}").get_json()["third_party_memo"] == big
    r = send(big + "x")
    assert r.status_code == 422
    assert "third_party_memo" in field_errors(r)
    hist = pos.get(f"/customers/{c['id']}/history").get_json()["items"]
    # History keeps a fingerprint of the memo, not a megabyte copy.
    assert hist[0]["field"] == "third_party_memo"
    assert hist[0]["new"]["length"] == 1_000_000


def test_customer_number_is_unique(pos, mk):
    mk(customer_number=500)
    r = pos.post("/customers", json={"last_name": "B", "customer_number": 500})
    assert r.status_code == 409
    assert field_errors(r) == {"customer_number": "already in use"}


def test_social_security_number_unique_when_configured(pos, mk, box):
    mk(social_security_number="12 150785 M 123")
    mk(social_security_number="12 150785 M 123")  # not unique by default
    cfg = box.config
    box.config = cfg.model_copy(
        update={"customers": cfg.customers.model_copy(update={"ssn_unique": True})}
    )
    r = pos.post(
        "/customers?allow_duplicate=true",
        json={"last_name": "C", "social_security_number": "12 150785 M 123"},
    )
    assert r.status_code == 409
    assert "social_security_number" in field_errors(r)


def test_box_country_is_the_default_phone_region(pos, box):
    cfg = box.config
    box.config = cfg.model_copy(update={"box": cfg.box.model_copy(update={"country": "AT"})})
    r = pos.post("/customers", json={"last_name": "Huber", "mobile": "0664 1234567"})
    assert r.get_json()["mobile"] == "+436641234567"
