"""BACKOFFICE §11 GDPR: the Art. 15/20 export holds every data area of a
customer made through the real services (top-up, checkout, invoice,
subscription, card, history); the Art. 17 erasure is refused with each
reason, and otherwise blanks every personal field, scrubs the history,
releases the cards, keeps the journal verifiable and the invoices intact."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from edge import ledger
from edge.customers import records as r
from edge.customers.gdpr.export import write_export
from edge.customers.gdpr.sections import KEPT_FIELDS, personal_fields
from edge.invoices.documents import pdf_for
from edge.platform.config import load_config

SELLER = {
    "box.name": "Baustoffe Lind",
    "box.address": ["Hauptstr. 1", "01067 Dresden"],
    "box.vat_id": "DE136695976",
}
PERSON = {
    "title": "Dr.",
    "first_name": "Henrietta",
    "last_name": "Quastenberg",
    "alias": "Hetti",
    "gender": "female",
    "date_of_birth": "1971-03-09",
    "social_security_number": "65090371Q123",
    "email": "henrietta.quastenberg@example.org",
    "invoice_email": "rechnung.quastenberg@example.org",
    "phone": "+49 30 5550173",
    "mobile": "+49 170 5550199",
    "street": "Zwetschgenweg",
    "house_number": "17b",
    "postal_code": "01069",
    "city": "Dresden",
    "country": "DE",
    "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX",
    "bank_name": "Commerzbank",
    "notes": "Allergie gegen Haselnuss",
    "memo": "mag Hafermilch",
    "allow_invoice_payment": True,
}
LINE = {"sku": "4001", "name": "Latte", "quantity": "1", "unit_price": 1500, "vat_rate_bp": 1900}


@pytest.fixture
def config(tmp_path):  # type: ignore[no-untyped-def]
    return load_config(overrides={"box.data_dir": str(tmp_path / "data"), **SELLER}, environ={})


def ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()


@pytest.fixture
def person(pos, manager, thirdparty):  # type: ignore[no-untyped-def]
    """A customer with data in every area, made through the API; returns its id
    and the invoice's id."""
    c = ok(pos.post("/customers?allow_duplicate=true", json=PERSON), 201)
    cid = c["id"]
    ok(pos.patch(f"/customers/{cid}", json={"city": "Radebeul"}))
    ok(thirdparty.patch(f"/customers/{cid}", json={"third_party_memo": "Reservierung Tisch 4"}))
    ok(pos.post(f"/customers/{cid}/cards", json={"uid": "04A1B2C3D4"}), 201)
    ok(pos.post(f"/customers/{cid}/topups", {"amount": 2000}), 201)
    body = {
        "customer_id": cid,
        "receipt_no": "B-1",
        "lines": [LINE],
        "tenders": [{"type": "credit"}],
    }
    ok(pos.post("/checkouts", body), 201)
    inv = ok(manager.post("/invoices", {"customer_id": cid, "lines": [LINE]}), 201)
    ok(manager.post(f"/invoices/{inv['id']}/issue"))
    sub = {
        "customer_id": cid,
        "description": "Kaffee-Abo",
        "amount": 2900,
        "interval": "monthly",
        "start_date": "2026-01-01",
    }
    ok(manager.post("/subscriptions", sub), 201)
    return cid, inv["id"]


def settle(manager, cid: str, invoice_id: str, keep: str = "") -> None:  # type: ignore[no-untyped-def]
    """Everything open paid out, corrected, paid or cancelled (but ``keep``): erasable."""
    c = ok(manager.get(f"/customers/{cid}"))
    if keep != "credit":
        ok(manager.post(f"/customers/{cid}/payouts", {"amount": c["cash"], "reason": "GDPR"}), 201)
    if keep != "points":
        body = {"account": "points", "amount": -c["points"], "reason": "GDPR"}
        ok(manager.post(f"/customers/{cid}/corrections", body), 201)
    if keep != "open_invoices":
        inv = ok(manager.get(f"/invoices/{invoice_id}"))
        body = {"method": "cash", "amount": inv["gross"]}
        ok(manager.post(f"/invoices/{invoice_id}/payments", body), 201)
    if keep != "active_subscriptions":
        for s in ok(manager.get(f"/subscriptions?customer_id={cid}"))["items"]:
            ok(manager.post(f"/subscriptions/{s['id']}/cancel"))


def unzip(resp: Any) -> zipfile.ZipFile:
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(resp.get_data()))


def read_json(z: zipfile.ZipFile, name: str) -> list[dict[str, Any]]:
    return json.loads(z.read(name))  # type: ignore[no-any-return]


def read_csv(z: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    text = z.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


# -- export ------------------------------------------------------------------------------


def test_the_export_holds_every_area_of_the_person(manager, person, box):
    cid, iid = person
    z = unzip(manager.get(f"/customers/{cid}/gdpr-export"))
    names = set(z.namelist())
    master = read_json(z, "customer.json")[0]
    for f in r.FIELDS:
        assert f in master, f"customer.json lacks {f}"
    assert (master["last_name"], master["city"]) == ("Quastenberg", "Radebeul")
    assert master["third_party_memo"] == "Reservierung Tisch 4"
    history = read_json(z, "history.json")
    assert [(h["old"], h["new"]) for h in history if h["field"] == "city"] == [
        ("Dresden", "Radebeul")
    ]
    assert [c["uid"] for c in read_json(z, "cards.json")] == ["04A1B2C3D4"]
    assert read_json(z, "balances.json") == [{"cash": 500, "bonus": 0, "points": 15}]
    journal = read_csv(z, "journal.csv")
    assert [int(e["amount"]) for e in journal] == [2000, -1500]
    assert [int(e["amount"]) for e in read_json(z, "points.json")] == [15]
    assert read_json(z, "purchases.json")[0]["receipt_no"] == "B-1"
    assert {o["kind"] for o in read_json(z, "operations.json")} >= {"topup", "checkout"}
    invoices = read_csv(z, "invoices.csv")
    number = invoices[0]["number"]
    assert [i["id"] for i in invoices] == [iid]
    assert f"invoices/{number}.pdf" in names and f"invoices/{number}.xml" in names
    assert z.read(f"invoices/{number}.pdf").startswith(b"%PDF")
    assert read_json(z, "invoice_lines.json")[0]["name"] == "Latte"
    assert read_json(z, "subscriptions.json")[0]["description"] == "Kaffee-Abo"
    readme = z.read("README.txt").decode()
    assert "Art. 15" in readme and "journal.json" in readme
    # The history notes the export: who and when, no data.
    last = ok(manager.get(f"/customers/{cid}/history"))["items"][0]
    assert (last["field"], last["old"], last["new"]) == ("gdpr_export", None, None)
    assert last["actor"].startswith("terminal:")


def test_the_readme_follows_the_box_language(person, box):
    for lang, words in (("de", "Datenübertragbarkeit"), ("en", "data portability")):
        buf = io.BytesIO()
        write_export(box.db.reader(), int(person[0]), buf, language=lang, at="2026-12-04")
        assert words in zipfile.ZipFile(buf).read("README.txt").decode()


def test_the_export_needs_the_manager_scope(pos, person):
    assert pos.get(f"/customers/{person[0]}/gdpr-export").status_code == 403


def test_a_csv_cell_never_becomes_a_formula(manager, pos):
    c = ok(pos.post("/customers?allow_duplicate=true", json={"last_name": "X"}), 201)
    ok(pos.patch(f"/customers/{c['id']}", json={"city": "=HYPERLINK(1)"}))
    rows = read_csv(unzip(manager.get(f"/customers/{c['id']}/gdpr-export")), "history.csv")
    assert [x["new"] for x in rows if x["field"] == "city"] == ["'=HYPERLINK(1)"]


# -- refusals ----------------------------------------------------------------------------


def reasons(manager, cid: str) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    resp = manager.post(f"/customers/{cid}/erasure")
    assert resp.status_code == 409, resp.get_data(as_text=True)
    assert resp.get_json()["code"] == "erasure_refused"
    return {x["code"]: x for x in resp.get_json()["reasons"]}


def test_erasure_is_refused_with_every_reason(manager, person, box):
    cid, _ = person
    found = reasons(manager, cid)
    assert set(found) == {"credit", "points", "open_invoices", "active_subscriptions"}
    assert (found["credit"]["cash"], found["points"]["points"]) == (500, 15)
    assert found["open_invoices"]["count"] == 1
    # Nothing was written.
    assert ok(manager.get(f"/customers/{cid}"))["last_name"] == "Quastenberg"


@pytest.mark.parametrize("left", ["credit", "points", "open_invoices", "active_subscriptions"])
def test_each_reason_alone_refuses(manager, person, left):
    settle(manager, *person, keep=left)
    assert set(reasons(manager, person[0])) == {left}


def test_a_mandate_in_use_refuses(manager, pos):
    c = ok(
        pos.post(
            "/customers?allow_duplicate=true",
            json={
                "last_name": "Lastschrift",
                "iban": "DE89370400440532013000",
                "sepa_mandate_reference": "M-1",
                "sepa_mandate_date": "2026-01-02",
            },
        ),
        201,
    )
    sub = {
        "customer_id": c["id"],
        "description": "Abo",
        "amount": 900,
        "interval": "monthly",
        "start_date": "2026-01-01",
        "sepa": True,
    }
    ok(manager.post("/subscriptions", sub), 201)
    assert set(reasons(manager, c["id"])) == {"active_subscriptions", "active_mandate"}


# -- erasure -----------------------------------------------------------------------------


def test_erasure_blanks_every_personal_field_and_keeps_the_books(manager, pos, person, box):
    cid, iid = person
    settle(manager, cid, iid)
    before = ok(manager.get(f"/invoices/{iid}"))
    answer = ok(manager.post(f"/customers/{cid}/erasure"))
    pseudonym = answer["pseudonym"]
    assert pseudonym.startswith("Gelöscht ") and answer["cards_released"] == 1
    c = ok(manager.get(f"/customers/{cid}"))
    # Every field of the list is blanked unless declared kept: a new field cannot be forgotten.
    assert personal_fields() | KEPT_FIELDS == set(r.FIELDS)
    for f in r.FIELDS:
        if f == "last_name":
            assert c[f] == pseudonym
        elif f == "blocked":
            assert c[f] is True
        elif f in KEPT_FIELDS:
            assert c[f] == ok(manager.get(f"/customers/{cid}"))[f]
        else:
            assert c[f] in (None, False), f"{f} kept {c[f]!r}"
    assert c["customer_number"] == answer["customer_number"]
    assert (c["status"], c["display_name"], c["cards"]) == ("inactive", pseudonym, [])
    # The history says what changed and who erased, never the values.
    items = ok(manager.get(f"/customers/{cid}/history?limit=500"))["items"]
    text = json.dumps(items, ensure_ascii=False)
    for value in ("Quastenberg", "Henrietta", "Dresden", "Radebeul", "Haselnuss", "5550173"):
        assert value not in text
    assert any(h["field"] == "city" for h in items)
    assert items[0]["field"] == "erased" and items[0]["new"]["pseudonym"] == pseudonym
    # Search does not find the old name, phone or e-mail; the pseudonym it does.
    for q in ("Quastenberg", "Henrietta Q", "5550173", "henrietta.q"):
        assert ok(pos.get("/customers", query_string={"q": q}))["total"] == 0, q
    assert ok(pos.get("/customers", query_string={"q": pseudonym}))["total"] == 1
    # The old card no longer resolves to anyone.
    assert pos.get("/cards/04A1B2C3D4").status_code == 404
    # The journal still verifies; the invoice is unchanged and still renders.
    assert ledger.verify_journal(box.db.path).ok
    after = ok(manager.get(f"/invoices/{iid}"))
    assert (after["number"], after["gross"]) == (before["number"], before["gross"])
    assert after["state"] == "paid"
    row = box.db.reader().execute("SELECT * FROM invoices WHERE id = ?", [int(iid)]).fetchone()
    assert pdf_for(box, row).startswith(b"%PDF")


def test_a_second_erasure_answers_the_same(manager, person):
    cid, iid = person
    settle(manager, cid, iid)
    first = ok(manager.post(f"/customers/{cid}/erasure"))
    assert ok(manager.post(f"/customers/{cid}/erasure")) == first


def test_an_erased_record_cannot_be_refilled_or_reactivated(manager, person):
    cid, iid = person
    settle(manager, cid, iid)
    ok(manager.post(f"/customers/{cid}/erasure"))
    assert manager.patch(f"/customers/{cid}", json={"last_name": "Neu"}).status_code == 409
    assert manager.post(f"/customers/{cid}/reactivate").status_code == 409


def test_erasure_needs_the_manager_scope(pos, person):
    assert pos.post(f"/customers/{person[0]}/erasure").status_code == 403


def test_an_unknown_customer_is_not_found(manager):
    assert manager.post("/customers/999999/erasure").status_code == 404
    assert manager.get("/customers/999999/gdpr-export").status_code == 404


def test_the_erased_values_are_nowhere_in_the_database_file(manager, person, box):
    """What the shop must keep (the issued invoice's buyer: name, address,
    e-mail) stays; everything else of the person is gone from the file itself."""
    cid, iid = person
    settle(manager, cid, iid)
    gone = [
        "1971-03-09",
        "65090371Q123",
        "5550173",
        "5550199",
        "Hetti",
        "COBADEFFXXX",
        "DE89370400440532013000",
        "Commerzbank",
        "Haselnuss",
        "Hafermilch",
        "Tisch 4",
    ]
    data = box.db.path.read_bytes() + Path(f"{box.db.path}-wal").read_bytes()
    assert all(v.encode() in data for v in gone[:3])  # the scan can see them before
    ok(manager.post(f"/customers/{cid}/erasure"))
    conn = sqlite3.connect(box.db.path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = box.db.path.read_bytes()
    found = [v for v in gone if v.encode() in data or v.encode("utf-16-le") in data]
    assert not found


# -- documents, delivery addresses, mandates ---------------------------------------------


def test_documents_addresses_and_mandates_are_exported_and_erased(manager, pos, box):
    from tests.edge.customers.test_documents_api import stored, upload
    from tests.support import documents as d

    c = ok(
        pos.post(
            "/customers?allow_duplicate=true",
            json={
                "last_name": "Lieferzwerg",
                "city": "Dresden",
                "iban": "DE89370400440532013000",
                "sepa_mandate_reference": "M-LZ-1",
                "sepa_mandate_date": "2026-01-02",
            },
        ),
        201,
    )
    cid = c["id"]
    pdf = d.pdf("Mietvertrag Lieferzwerg")
    assert upload(pos, cid, pdf, "Vertrag.pdf", title="Vertrag Lieferzwerg").status_code == 201
    home = {"label": "Werkstatt", "street": "Zwergenweg", "house_number": "3",
            "postal_code": "01067", "city": "Dresden", "country": "DE"}  # fmt: skip
    ok(pos.post(f"/customers/{cid}/addresses", home), 201)

    z = unzip(manager.get(f"/customers/{cid}/gdpr-export"))
    assert [x["title"] for x in read_json(z, "documents.json")] == ["Vertrag Lieferzwerg"]
    [doc_file] = [n for n in z.namelist() if n.startswith("documents/")]
    assert z.read(doc_file) == pdf
    assert read_json(z, "delivery_addresses.json")[0]["street"] == "Zwergenweg"
    [mandate] = read_json(z, "sepa_mandates.json")
    assert (mandate["reference"], mandate["status"]) == ("M-LZ-1", "active")

    assert set(reasons(manager, cid)) == {"active_mandate"}  # an active mandate alone refuses
    ok(manager.post(f"/customers/{cid}/mandates/{mandate['id']}/revoke", {"reason": "GDPR"}))
    assert len(stored(box)) == 1
    ok(manager.post(f"/customers/{cid}/erasure"))

    assert stored(box) == []  # the bytes went with the erasure
    conn = box.db.reader()
    (title, filename) = conn.execute(
        "SELECT title, filename FROM customer_documents WHERE customer_id = ?", [int(cid)]
    ).fetchone()
    assert (title, filename) == ("", "")
    assert conn.execute("SELECT count(*) FROM delivery_addresses").fetchone()[0] == 0
    assert ok(pos.get(f"/customers/{cid}/documents"))["items"] == []
    # The mandate stays (the bank may ask for it), revoked, tied to the pseudonym.
    [kept] = ok(manager.get(f"/customers/{cid}/mandates"))["items"]
    assert kept["reference"] == "M-LZ-1" and kept["status"] == "revoked"
