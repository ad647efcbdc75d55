"""The SEPA routes end to end through the API: the mandate typed into the
customer fields, a SEPA subscription billed, the preview, the file (and its
replay by key), the XML download, confirmation refused before the date, a
return, mandates and revocation; field-level refusals; manager only."""

from __future__ import annotations

from datetime import timedelta

from edge.invoices.book import box_date
from edge.platform.clock import now_iso
from edge.sepa import pain008
from tests.edge.invoices.conftest import add_customer
from tests.edge.sepa.conftest import IBAN


def _debtor(box, manager) -> str:  # type: ignore[no-untyped-def]
    cid = add_customer(box, first_name="Anna", last_name="Groß", city="Köln", country="DE")
    today = box_date(box.config, now_iso())
    r = manager.patch(f"/customers/{cid}", {
        "iban": IBAN, "sepa_mandate_reference": "ABO-API-1",
        "sepa_mandate_date": (today - timedelta(days=60)).isoformat(),
    })  # fmt: skip
    assert r.status_code == 200, r.get_json()
    return str(cid)


def test_a_file_through_the_api(box, manager, pos):
    cid = _debtor(box, manager)
    today = box_date(box.config, now_iso())
    start = (today - timedelta(days=40)).replace(day=1)
    r = manager.post("/subscriptions", {"customer_id": cid, "description": "Miete", "amount": 2380,
                                        "interval": "monthly", "start_date": start.isoformat(),
                                        "sepa": True})  # fmt: skip
    assert r.status_code == 201
    billed = manager.post("/subscriptions/billing-run", {}).get_json()["count"]
    assert billed >= 2
    (m,) = manager.get(f"/customers/{cid}/mandates").get_json()["items"]
    assert (m["reference"], m["status"], m["iban"]) == ("ABO-API-1", "active", IBAN)
    preview = manager.get("/sepa/preview").get_json()
    assert preview["count"] == billed and preview["failures"] == []
    assert {d["sequence"] for d in preview["debits"]} == {"FRST"}
    assert pos.get("/sepa/preview").status_code == 403
    r = manager.post("/sepa/files", {}, idem="file-1")
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert made["count"] == billed and made["control_sum"] == 2380 * billed
    again = manager.post("/sepa/files", {}, idem="file-1")
    assert again.headers.get("Idempotent-Replayed") == "true" and again.get_json() == made
    assert manager.post("/sepa/files", {}).status_code == 409  # nothing due any more
    assert [f["id"] for f in manager.get("/sepa/files").get_json()["items"]] == [made["id"]]
    assert manager.get(f"/sepa/files/{made['id']}").get_json() == made
    xml = manager.get(f"/sepa/files/{made['id']}/xml")
    assert xml.mimetype == "application/xml"
    pain008.validate(xml.data)
    r = manager.post(f"/sepa/files/{made['id']}/confirm", {})
    assert r.status_code == 409  # before the collection date
    late = (today + timedelta(days=1)).isoformat()
    r = manager.post(f"/sepa/files/{made['id']}/confirm", {"date": late})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "date"
    coll = made["collections"][0]
    r = manager.post(f"/sepa/collections/{coll['id']}/return", {"reason": "xx"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "reason"
    r = manager.post(f"/sepa/collections/{coll['id']}/return", {"reason": "MD06"})
    assert r.status_code == 200 and r.get_json()["mandate_revoked"] is True
    (m,) = manager.get(f"/customers/{cid}/mandates").get_json()["items"]
    assert m["status"] == "revoked"
    r = manager.post(f"/customers/{cid}/mandates/{m['id']}/revoke", {"reason": "again"})
    assert r.status_code == 409
    assert manager.get("/sepa/files/999").status_code == 404


def test_a_refused_preflight_is_a_422_naming_invoice_and_field(box, manager):
    cid = _debtor(box, manager)
    today = box_date(box.config, now_iso())
    manager.post("/subscriptions", {"customer_id": cid, "description": "Miete", "amount": 2380,
                                    "interval": "monthly", "start_date": today.isoformat(),
                                    "sepa": True})  # fmt: skip
    (inv,) = manager.post("/subscriptions/billing-run", {}).get_json()["billed"]
    (m,) = manager.get(f"/customers/{cid}/mandates").get_json()["items"]
    r = manager.post(f"/customers/{cid}/mandates/{m['id']}/revoke", {"reason": "Kunde widerruft"})
    assert r.status_code == 200 and r.get_json()["status"] == "revoked"
    r = manager.post("/sepa/files", {})
    assert r.status_code == 422 and r.get_json()["code"] == "sepa_preflight_failed"
    assert {"field": f"{inv['number']}.mandate_status",
            "message": "the mandate is revoked, not active"} in r.get_json()["errors"]  # fmt: skip
    assert manager.get("/sepa/files").get_json()["items"] == []
    r = manager.post("/sepa/files", {"date": (today - timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "date"
    r = manager.patch(f"/customers/{cid}", {"sepa_mandate_reference": "Ä&"})
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "sepa_mandate_reference"
