"""Mandates and collection files in the database, with real dates
(BACKOFFICE §10): FRST then RCUR, amendments, returns, confirmation, expiry."""

from __future__ import annotations

import json
from datetime import date

import pytest
from lxml import etree

from edge.platform.box import Box
from edge.sepa import collections, mandates, pain008
from edge.sepa.model import PreflightFailed
from tests.edge.sepa.conftest import OTHER_IBAN, at, bill, set_mandate, subscribe

NS = {"p": pain008.NAMESPACE}


def _xml(box: Box, file_id: str) -> etree._Element:
    row = collections.file_row(box.db.reader(), int(file_id))
    pain008.validate(bytes(row["xml"]))  # every file in the suite validates
    return etree.fromstring(bytes(row["xml"]))


def _make(box: Box, day: date) -> dict:
    return collections.make_file(box.db, box.config, at(day), day)


def test_a_subscription_invoice_is_collected_frst_then_rcur(box, debtor):
    cid = debtor()
    subscribe(box, cid, date(2027, 1, 31))
    (first,) = bill(box, date(2027, 1, 31))
    made = _make(box, date(2027, 2, 1))
    assert made["count"] == 1 and made["control_sum"] == 11900
    doc = _xml(box, made["id"])
    assert doc.findtext(".//p:PmtInf/p:PmtTpInf/p:SeqTp", namespaces=NS) == "FRST"
    # Pre-notification 14 days from the invoice date 31 Jan, a TARGET2 day.
    assert doc.findtext(".//p:ReqdColltnDt", namespaces=NS) == "2027-02-15"
    inv = box.db.reader().execute("SELECT * FROM invoices WHERE id = ?",
                                  [first["invoice_id"]]).fetchone()  # fmt: skip
    assert inv["sepa_state"] == "pending"
    notice = json.loads(inv["document_json"])["sepa"]
    assert notice["mandate_reference"] == "ABO-1"
    assert notice["creditor_id"] == "DE98ZZZ09999999999"
    assert notice["collection_date"] == "2027-02-15"
    # Nothing due any more: a second file is refused, the first stands alone.
    with pytest.raises(Exception, match="no invoice is due"):
        _make(box, date(2027, 2, 1))
    bill(box, date(2027, 2, 28))
    second = _make(box, date(2027, 3, 1))
    doc = _xml(box, second["id"])
    assert doc.findtext(".//p:PmtInf/p:PmtTpInf/p:SeqTp", namespaces=NS) == "RCUR"
    assert doc.findtext(".//p:MndtId", namespaces=NS) == "ABO-1"


def test_an_amendment_is_flagged_once_then_cleared(box, debtor):
    cid = debtor()
    subscribe(box, cid, date(2027, 1, 31))
    bill(box, date(2027, 1, 31))
    _make(box, date(2027, 2, 1))
    set_mandate(box, cid, date(2027, 2, 10), sepa_mandate_reference="ABO-1-NEU")
    history = [
        json.loads(r["new"]) for r in box.db.reader().execute(
            "SELECT new FROM customer_history WHERE customer_id = ? AND field = 'sepa_mandate'",
            [cid])
    ]  # fmt: skip
    assert [h["event"] for h in history] == ["created", "amended"]
    bill(box, date(2027, 2, 28))
    doc = _xml(box, _make(box, date(2027, 3, 1))["id"])
    assert doc.findtext(".//p:AmdmntInd", namespaces=NS) == "true"
    assert doc.findtext(".//p:OrgnlMndtId", namespaces=NS) == "ABO-1"
    assert doc.findtext(".//p:MndtId", namespaces=NS) == "ABO-1-NEU"
    bill(box, date(2027, 3, 31))
    doc = _xml(box, _make(box, date(2027, 4, 1))["id"])
    assert doc.findtext(".//p:AmdmntInd", namespaces=NS) == "false"
    assert doc.find(".//p:OrgnlMndtId", namespaces=NS) is None


def test_a_move_to_another_bank_is_smnda(box, debtor):
    cid = debtor()
    subscribe(box, cid, date(2027, 1, 31))
    bill(box, date(2027, 1, 31))
    _make(box, date(2027, 2, 1))
    set_mandate(box, cid, date(2027, 2, 10), iban=OTHER_IBAN)
    bill(box, date(2027, 2, 28))
    doc = _xml(box, _make(box, date(2027, 3, 1))["id"])
    assert doc.findtext(".//p:AmdmntInd", namespaces=NS) == "true"
    assert doc.findtext(".//p:OrgnlDbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=NS) == "SMNDA"
    assert doc.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == OTHER_IBAN


def _collection(box: Box, file_id: str) -> dict:
    (c,) = collections.file_out(box.db.reader(), int(file_id))["collections"]
    return c


def test_confirm_books_paid_and_a_return_md01_reopens_revokes_and_charges(box, debtor):
    cid = debtor()
    subscribe(box, cid, date(2027, 1, 31))
    (inv,) = bill(box, date(2027, 1, 31))
    made = _make(box, date(2027, 2, 1))
    fid = int(made["id"])
    cfg = box.config
    with pytest.raises(Exception, match="first collection date is 2027-02-15"):
        box.db.write(lambda c: collections.confirm(c, cfg, at(date(2027, 2, 14)), fid,
                                                   date(2027, 2, 14)))  # fmt: skip
    done = box.db.write(lambda c: collections.confirm(c, cfg, at(date(2027, 2, 15)), fid,
                                                      date(2027, 2, 15)))  # fmt: skip
    assert done == {"file_id": str(fid), "confirmed": 1, "pending": 0}
    conn = box.db.reader()
    row = conn.execute("SELECT * FROM invoices WHERE id = ?", [inv["invoice_id"]]).fetchone()
    assert (row["state"], row["sepa_state"], row["principal_paid"]) == ("paid", "collected", 11900)
    coll = _collection(box, made["id"])
    out = box.db.write(lambda c: collections.record_return(
        c, cfg, at(date(2027, 2, 20)), int(coll["id"]), "MD01"))  # fmt: skip
    assert out["mandate_revoked"] and out["fee"] == 300
    row = conn.execute("SELECT * FROM invoices WHERE id = ?", [inv["invoice_id"]]).fetchone()
    assert (row["state"], row["sepa_state"]) == ("open", "returned")
    assert (row["principal_paid"], row["fees"]) == (0, 300)
    pay = conn.execute("SELECT * FROM invoice_payments WHERE invoice_id = ?",
                       [inv["invoice_id"]]).fetchall()  # fmt: skip
    assert len(pay) == 1 and pay[0]["reversed_reason"] == "SEPA return MD01"  # kept, marked
    (m,) = mandates.mandates_of(conn, date(2027, 2, 20), cid)
    assert m["status"] == "revoked" and m["revoked_reason"] == "return MD01"
    with pytest.raises(Exception, match="already returned"):
        box.db.write(lambda c: collections.record_return(
            c, cfg, at(date(2027, 2, 20)), int(coll["id"]), "MD01"))  # fmt: skip
    # The returned invoice is not collected again by itself.
    assert collections.due_debits(conn, cfg, date(2027, 3, 1)) == ([], [])


def test_a_pending_return_am04_keeps_the_mandate(box, debtor):
    cid = debtor()
    subscribe(box, cid, date(2027, 1, 31))
    bill(box, date(2027, 1, 31))
    made = _make(box, date(2027, 2, 1))
    coll = _collection(box, made["id"])
    out = box.db.write(lambda c: collections.record_return(
        c, box.config, at(date(2027, 2, 16)), int(coll["id"]), "AM04"))  # fmt: skip
    assert not out["mandate_revoked"]
    (m,) = mandates.mandates_of(box.db.reader(), date(2027, 2, 16), cid)
    assert m["status"] == "active"


def test_an_expired_mandate_is_refused_with_invoice_and_field(box, debtor):
    cid = debtor(signed=date(2024, 1, 10))
    subscribe(box, cid, date(2027, 1, 31))
    (inv,) = bill(box, date(2027, 1, 31))
    with pytest.raises(PreflightFailed) as e:
        _make(box, date(2027, 2, 1))
    assert [(f.invoice_number, f.field) for f in e.value.failures] == [
        (inv["number"], "mandate_status")
    ]
    conn = box.db.reader()
    assert conn.execute("SELECT count(*) FROM sepa_files").fetchone()[0] == 0
    assert conn.execute("SELECT sepa_state FROM invoices WHERE id = ?",
                        [inv["invoice_id"]]).fetchone()[0] == "due"  # fmt: skip
    (m,) = mandates.mandates_of(conn, date(2027, 2, 1), cid)
    assert m["status"] == "expired" and m["expires_on"] == "2027-01-10"
    preview = collections.preview(conn, box.config, date(2027, 2, 1))
    assert preview["debits"][0]["mandate_status"] == "expired"
    assert {f["field"] for f in preview["failures"]} == {"mandate_status"}
    # No notice on the invoice: its mandate could not collect it.
    doc = json.loads(conn.execute("SELECT document_json FROM invoices WHERE id = ?",
                                  [inv["invoice_id"]]).fetchone()[0])  # fmt: skip
    assert doc["sepa"] is None


def test_a_reference_of_another_customer_is_a_field_error(box, debtor):
    debtor(ref="ABO-1")
    with pytest.raises(Exception) as e:
        debtor(ref="ABO-1")
    assert e.value.errors == [{"field": "sepa_mandate_reference",
                               "message": "is the reference of another mandate"}]  # fmt: skip
