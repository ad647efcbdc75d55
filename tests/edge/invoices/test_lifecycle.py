"""BACKOFFICE §8 lifecycle through the API: draft by hand → issue (number,
dates, due date from payment terms, frozen document) → credit note; drafts
editable, issued invoices not; overdue derived in the box's time zone;
scopes."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from edge.invoices import book
from edge.platform.clock import now_iso

LINES = [
    {"name": "Kaffee", "quantity": "2", "unit_price": 1190, "vat_rate_bp": 1900},
    {"name": "Milch", "quantity": "1", "unit_price": 107, "vat_rate_bp": 700},
]


def draft(manager, cid, lines=LINES, **more):
    r = manager.post("/invoices", {"customer_id": str(cid), "lines": lines, **more})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def issue(manager, iid):
    r = manager.post(f"/invoices/{iid}/issue")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def today(box):
    return book.box_date(box.config, now_iso())


def test_a_draft_has_no_number_and_its_amounts_per_rate(manager, house):
    inv = draft(manager, house(), notes="Lieferung frei Haus")
    assert (inv["state"], inv["number"], inv["issue_date"]) == ("draft", None, None)
    # 2380 at 19 % -> net 2000, VAT 380; 107 at 7 % -> net 100, VAT 7
    assert (inv["gross"], inv["net"], inv["vat"]) == (2487, 2100, 387)
    assert inv["notes"] == "Lieferung frei Haus"


def test_a_draft_is_edited_an_issued_invoice_never(manager, house):
    cid = house()
    inv = draft(manager, cid)
    r = manager.patch(f"/invoices/{inv['id']}", {"lines": [LINES[1]], "notes": None})
    assert r.status_code == 200
    assert (r.get_json()["gross"], r.get_json()["notes"]) == (107, None)
    issue(manager, inv["id"])
    r = manager.patch(f"/invoices/{inv['id']}", {"notes": "später"})
    assert r.status_code == 409 and r.get_json()["code"] == "conflict"


def test_issue_gives_number_dates_and_the_default_terms(manager, house, box):
    inv = issue(manager, draft(manager, house())["id"])
    t = today(box)
    assert inv["number"] == f"RE-{t.year}-00001"
    assert inv["state"] == "open"
    assert inv["issue_date"] == inv["delivery_date"] == t.isoformat()
    assert inv["due_date"] == (t + timedelta(days=14)).isoformat()
    assert (inv["open"], inv["owed"], inv["overdue"]) == (2487, 2487, False)


def test_the_customers_payment_terms_win_and_0_counts_as_set(manager, house, box):
    t = today(box)
    net30 = issue(manager, draft(manager, house(payment_terms_days=30))["id"])
    assert net30["due_date"] == (t + timedelta(days=30)).isoformat()
    cash = issue(manager, draft(manager, house(payment_terms_days=0))["id"])
    assert cash["due_date"] == t.isoformat()


def test_the_frozen_document_carries_seller_buyer_and_lines(manager, house, box):
    cid = house(type="individual", first_name="Maria", last_name="Müller", street="Hauptstr.",
                house_number="5", postal_code="10115", city="Berlin",
                invoice_email="rechnung@example.com", email="m@example.com")  # fmt: skip
    inv = issue(manager, draft(manager, cid)["id"])
    with box.db.reader() as c:
        doc = json.loads(
            c.execute("SELECT document_json FROM invoices WHERE id = ?", [inv["id"]]).fetchone()[0]
        )
    assert doc["number"] == inv["number"] and doc["kind"] == "invoice"
    assert doc["seller"]["name"] == box.config.box.name
    assert doc["buyer"]["name"] == "Maria Müller"
    assert doc["buyer"]["address"] == {"line1": "Hauptstr. 5", "line2": "", "postcode": "10115",
                                       "city": "Berlin", "country": "DE"}  # fmt: skip
    assert doc["buyer"]["email"] == "rechnung@example.com"  # invoice e-mail first
    assert [(x["net"], x["vat_rate_bp"], x["vat_category"]) for x in doc["lines"]] == [
        (2000, 1900, "S"),
        (100, 700, "S"),
    ]
    assert [(b["rate_bp"], b["net"], b["vat"]) for b in doc["vat"]] == [(1900, 2000, 380),
                                                                       (700, 100, 7)]  # fmt: skip
    assert (doc["net"], doc["vat_total"], doc["gross"], doc["due"]) == (2100, 387, 2487, 2487)
    assert doc["payment_terms"].startswith("Zahlbar bis ")


def test_reverse_charge_is_net_category_ae_with_the_note_and_both_vat_ids(manager, house, box):
    box_cfg = box.config.box.model_copy(update={"vat_id": "DE123456789"})
    object.__setattr__(box.config, "box", box_cfg)  # the shop's VAT ID for this box
    cid = house(type="business", company_name="Bouwbedrijf B.V.", vat_id="NL123456789B01",
                first_name="Jan", last_name="Jansen", country="NL")  # fmt: skip
    inv = issue(manager, draft(manager, cid)["id"])
    assert inv["net_mode"] is True
    # SPEC §4 net mode: each line total to net, VAT 0
    assert (inv["net"], inv["vat"], inv["gross"]) == (2100, 0, 2100)
    with box.db.reader() as c:
        doc = json.loads(
            c.execute("SELECT document_json FROM invoices WHERE id = ?", [inv["id"]]).fetchone()[0]
        )
    assert doc["reverse_charge"] is True
    note = "Steuerschuldnerschaft des Leistungsempfängers"
    assert doc["vat"] == [
        {"rate_bp": 0, "category": "AE", "net": 2100, "vat": 0, "exemption_reason": note}
    ]
    assert {x["vat_category"] for x in doc["lines"]} == {"AE"}
    assert "Steuerschuldnerschaft des Leistungsempfängers" in doc["notes"]
    assert (doc["buyer"]["name"], doc["buyer"]["contact"]) == ("Bouwbedrijf B.V.", "Jan Jansen")
    assert (doc["buyer"]["vat_id"], doc["seller"]["vat_id"]) == ("NL123456789B01", "DE123456789")


def test_cancel_by_credit_note_with_its_own_number_and_negative_amounts(manager, house, box):
    cid = house()
    first = issue(manager, draft(manager, cid)["id"])
    r = manager.post(f"/invoices/{first['id']}/cancel", {"reason": "falscher Kunde"})
    assert r.status_code == 201, r.get_json()
    note = r.get_json()
    year = today(box).year
    assert note["kind"] == "credit_note"
    assert note["number"] == f"RE-{year}-00002"  # the same sequence
    assert note["preceding_number"] == first["number"]
    assert (note["gross"], note["net"], note["vat"]) == (-2487, -2100, -387)
    assert [x["total"] for x in note["lines"]] == [-2380, -107]
    cancelled = manager.get(f"/invoices/{first['id']}").get_json()
    assert (cancelled["state"], cancelled["open"]) == ("cancelled", 0)
    assert cancelled["credit_note_id"] == note["id"]
    assert manager.post(f"/invoices/{first['id']}/cancel", {"reason": "x"}).status_code == 409
    # the open amount no longer counts against the limit
    assert manager.get(f"/customers/{cid}").get_json()["open_amount"] == 0
    nxt = issue(manager, draft(manager, cid)["id"])
    assert nxt["number"] == f"RE-{year}-00003"


def test_overdue_is_derived_from_the_box_date(manager, house, box):
    inv = issue(manager, draft(manager, house(payment_terms_days=0))["id"])
    assert inv["overdue"] is False  # due today is not overdue
    yesterday = (today(box) - timedelta(days=1)).isoformat()
    box.db.write(
        lambda c: c.execute("UPDATE invoices SET due_date = ? WHERE id = ?", [yesterday, inv["id"]])
    )
    assert manager.get(f"/invoices/{inv['id']}").get_json()["overdue"] is True
    page = manager.get("/invoices?overdue=true").get_json()
    assert [x["id"] for x in page["items"]] == [inv["id"]]
    assert page["totals"] == {"open": 2487, "owed": 2487, "overdue": 2487}
    assert manager.get("/invoices?overdue=false").get_json()["items"] == []


def test_box_date_is_the_box_time_zone_not_utc(box):
    # 23:30 UTC on 31 Dec is already 1 Jan in Berlin: the new year's sequence
    assert book.box_date(box.config, "2026-12-31T23:30:00Z") == date(2027, 1, 1)
    assert book.box_date(box.config, "2026-12-31T22:59:59Z") == date(2026, 12, 31)


def test_list_filters_and_open_totals(manager, house):
    a, b = house(), house()
    ia = issue(manager, draft(manager, a)["id"])
    draft(manager, b)
    assert manager.get(f"/invoices?customer_id={a}").get_json()["total"] == 1
    page = manager.get("/invoices?state=draft").get_json()
    assert page["total"] == 1 and page["totals"]["open"] == 0
    page = manager.get("/invoices").get_json()
    assert page["total"] == 2 and page["totals"]["open"] == ia["gross"]
    assert manager.get("/invoices?state=nonsense").status_code == 422


def test_the_customer_record_shows_open_amount_and_credit_available(manager, house):
    cid = house(credit_limit=5000)
    issue(manager, draft(manager, cid)["id"])
    rec = manager.get(f"/customers/{cid}").get_json()
    assert (rec["open_amount"], rec["credit_available"]) == (2487, 2513)


def test_issued_invoices_and_credit_notes_are_validated_e_invoices(manager, house, box):
    from io import BytesIO

    from pypdf import PdfReader

    from edge.invoices.einvoice import validate_xml

    cid = house(first_name="Ida", last_name="Kern", street="Ring", house_number="3",
                postal_code="04109", city="Leipzig")  # fmt: skip
    inv = issue(manager, draft(manager, cid)["id"])
    assert inv["pdf"] is True and inv["xml"] is True
    xml = manager.get(f"/invoices/{inv['id']}/xml")
    assert xml.status_code == 200 and validate_xml(xml.data) == []
    assert inv["number"].encode() in xml.data and b"<ram:TypeCode>380<" in xml.data
    pdf = manager.get(f"/invoices/{inv['id']}/pdf")  # made on first need, then kept
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    attached = PdfReader(BytesIO(pdf.data)).attachments["factur-x.xml"][0]
    assert attached == xml.data
    stored = box.db.reader().execute("SELECT pdf FROM invoices WHERE id = ?", [inv["id"]])
    assert bytes(stored.fetchone()[0]) == pdf.data
    r = manager.post(f"/invoices/{inv['id']}/cancel", {"reason": "falscher Kunde"})
    assert r.status_code == 201, r.get_json()
    note = manager.get(f"/invoices/{r.get_json()['id']}/xml").data
    assert validate_xml(note) == [] and b"<ram:TypeCode>381<" in note
    assert b"-" not in note.split(b"GrandTotalAmount>")[1][:12]  # stated positive


def test_a_shop_without_vat_id_is_told_which_setting_is_missing(manager, house, box, monkeypatch):
    bare = box.config.model_copy(update={"box": box.config.box.model_copy(update={"vat_id": ""})})
    monkeypatch.setattr(box, "config", bare)
    r = manager.post(f"/invoices/{draft(manager, house())['id']}/issue")
    body = r.get_json()
    assert (r.status_code, body["code"]) == (422, "einvoice_invalid")
    assert "BR-CO-26" in body["rules"] and "box.vat_id" in body["detail"]


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("post", "/invoices", {"customer_id": "1", "lines": LINES}),
        ("post", "/invoices/1/issue", None),
        ("post", "/invoices/1/cancel", {"reason": "x"}),
        ("post", "/invoices/1/payments", {"method": "cash", "amount": 1}),
    ],
)
def test_pos_reads_but_manager_writes(pos, method, path, body):
    assert getattr(pos, method)(path, body).status_code == 403
    assert pos.get("/invoices").status_code == 200


def test_issue_is_idempotent_per_key(manager, house):
    iid = draft(manager, house())["id"]
    first = manager.post(f"/invoices/{iid}/issue", idem="k-1")
    again = manager.post(f"/invoices/{iid}/issue", idem="k-1")
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()


def test_a_draft_moved_to_another_customer_is_priced_for_them(manager, house, box):
    plain = house()
    group = box.db.write(
        lambda c: (
            c.execute(
                "INSERT INTO customer_groups (name, default_discount_percent, created_at,"
                " updated_at)"
                " VALUES ('Handwerker', 10, 'x', 'x')"
            ).lastrowid
        )
    )
    trade = house(group_id=group)
    inv = draft(manager, plain, lines=[LINES[0]])
    assert inv["gross"] == 2380
    moved = manager.patch(f"/invoices/{inv['id']}", {"customer_id": str(trade)}).get_json()
    assert (moved["customer_id"], moved["gross"]) == (str(trade), 2142)  # 10 % off 2380


def test_bad_input_is_a_field_error_and_writes_nothing(manager, house, box):
    cid = str(house())
    bad = [
        {"customer_id": cid, "lines": []},
        {"customer_id": cid, "lines": [{"quantity": "1", "unit_price": 100}]},  # no name
        {"customer_id": cid, "lines": [{**LINES[0], "quantity": "-1"}]},
        {"customer_id": cid, "lines": LINES, "notes": "a\u202eb"},
    ]
    for body in bad:
        r = manager.post("/invoices", body)
        assert r.status_code == 422, (body, r.get_json())
        assert r.get_json()["errors"], body
    assert manager.post("/invoices", {"customer_id": "999", "lines": LINES}).status_code == 404
    with box.db.reader() as c:
        assert c.execute("SELECT count(*) FROM invoices").fetchone()[0] == 0
