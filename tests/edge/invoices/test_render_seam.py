"""The seam to the e-invoice renderer (edge/invoices/render.py): what it
renders is stored and served; a refused validation refuses the issue with
the rule ids, leaves a draft and uses no number. The renderer itself is a
colleague's package (edge.invoices.einvoice); here a stand-in module with
its interface takes its place in ``sys.modules``."""

from __future__ import annotations

import importlib.machinery
import sys
import types

import pytest

from edge.invoices import render

LINES = [{"name": "Kaffee", "quantity": "1", "unit_price": 1190, "vat_rate_bp": 1900}]


class EInvoiceInvalid(Exception):
    def __init__(self, errors):
        super().__init__("invalid")
        self.errors = errors


@pytest.fixture
def renderer(monkeypatch):
    module = types.ModuleType(render.RENDERER)
    module.__spec__ = importlib.machinery.ModuleSpec(render.RENDERER, None)
    module.EInvoiceInvalid = EInvoiceInvalid
    seen = []

    def validated_xml(doc):
        seen.append(doc)
        if not doc.buyer.name.strip() or doc.buyer.name == "BROKEN":
            raise EInvoiceInvalid([("BR-07", "An Invoice shall contain the Buyer name"),
                                   ("BR-CO-26", "seller identifier")])  # fmt: skip
        return b"<rsm:CrossIndustryInvoice/>"

    def render_pdf(doc, xml):
        assert xml == b"<rsm:CrossIndustryInvoice/>"
        return b"%PDF-1.7 " + doc.number.encode()

    module.validated_xml = validated_xml
    module.render_pdf = render_pdf
    monkeypatch.setitem(sys.modules, render.RENDERER, module)
    return seen


def _draft(manager, cid):
    return manager.post("/invoices", {"customer_id": str(cid), "lines": LINES}).get_json()


def test_a_refused_e_invoice_refuses_the_issue_and_uses_no_number(manager, house, renderer, box):
    broken = house(display_name="BROKEN")
    inv = _draft(manager, broken)
    r = manager.post(f"/invoices/{inv['id']}/issue")
    assert r.status_code == 422
    p = r.get_json()
    assert p["code"] == "einvoice_invalid"
    assert p["rules"] == ["BR-07", "BR-CO-26"]
    assert p["errors"][0] == {
        "field": "BR-07",
        "message": "An Invoice shall contain the Buyer name",
    }
    after = manager.get(f"/invoices/{inv['id']}").get_json()
    assert (after["state"], after["number"]) == ("draft", None)
    good = _draft(manager, house(display_name="Gut"))
    issued = manager.post(f"/invoices/{good['id']}/issue").get_json()
    assert issued["number"].endswith("-00001")  # the refused issue took none


def test_what_the_renderer_makes_is_stored_and_served(manager, house, renderer):
    inv = _draft(manager, house(display_name="Gut"))
    issued = manager.post(f"/invoices/{inv['id']}/issue").get_json()
    assert issued["pdf"] is True and issued["xml"] is True
    pdf = manager.get(f"/invoices/{inv['id']}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == b"%PDF-1.7 " + issued["number"].encode()
    xml = manager.get(f"/invoices/{inv['id']}/xml")
    assert xml.mimetype == "application/xml" and xml.data == b"<rsm:CrossIndustryInvoice/>"
    assert renderer[0].number == issued["number"]


def test_a_refused_e_invoice_at_checkout_refuses_the_whole_sale(pos, house, renderer, box):
    cid = house(display_name="BROKEN")
    r = pos.post("/checkouts", {"customer_id": str(cid), "lines": LINES,
                                "tenders": [{"type": "invoice"}]})  # fmt: skip
    assert r.status_code == 422 and r.get_json()["code"] == "einvoice_invalid"
    with box.db.reader() as c:
        assert c.execute("SELECT count(*) FROM operations").fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM invoices").fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM invoice_counters").fetchone()[0] == 0


def test_without_a_renderer_nothing_is_rendered(monkeypatch):
    monkeypatch.delitem(sys.modules, render.RENDERER, raising=False)
    monkeypatch.setattr(render, "RENDERER", "edge.invoices.no_such_renderer")
    assert render.issue_xml(object()) is None  # type: ignore[arg-type]
    assert render.pdf_of(object(), b"") is None  # type: ignore[arg-type]
