"""Validation offline, before anything counts as issued: the EN 16931 profile
XSD and the EN 16931 business rules (the CEN schematron and Factur-X's), each
failure named by its rule id; a check that cannot run raises, never passes."""

from __future__ import annotations

import dataclasses
import http.server
import socket
import socketserver
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lxml import etree

from edge.invoices.document import PostalAddress, VatBreakdown
from edge.invoices.einvoice import EInvoiceInvalid, ValidatorUnavailable, render_invoice
from edge.invoices.einvoice import validation as v
from edge.invoices.einvoice.cii import build_xml
from tests.edge.invoices.einvoice import samples


def ids(doc: object) -> set[str]:
    return {rule for rule, _ in v.validate_xml(build_xml(doc))}  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["invoice", "reverse_charge", "credit_note", "sepa"])
def test_good_documents_pass_schema_and_both_rule_sets(name: str) -> None:
    xml = build_xml(getattr(samples, name)())
    assert v.check_schema(etree.fromstring(xml)) == []
    for rules in v.rule_sets():
        assert v.check_rules(xml, rules) == [], rules.name
    assert v.validate_xml(xml) == []


def test_validation_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("validation tried the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert v.validate_xml(build_xml(samples.sepa())) == []


def test_a_wrong_vat_total_breaks_br_co_14() -> None:
    found = ids(samples.invoice(vat_total=710, gross=4840, due=4840))
    assert "BR-CO-14" in found  # BT-110 ≠ Σ BT-117
    assert "BR-CO-15" not in found  # the gross was kept consistent


def test_a_wrong_breakdown_vat_breaks_br_s_09() -> None:
    # The rule allows one currency unit of rounding: 9,00 against 6,65 is beyond it.
    wrong = (VatBreakdown(1900, "S", 3500, 900), VatBreakdown(700, "S", 630, 44))
    found = ids(samples.invoice(vat=wrong, vat_total=944, gross=5074, due=5074))
    assert "BR-S-09" in found  # VAT amount = basis × rate


def test_a_breakdown_basis_not_the_line_sum_breaks_br_s_08() -> None:
    wrong = (VatBreakdown(1900, "S", 3400, 646), VatBreakdown(700, "S", 730, 51))
    assert "BR-S-08" in ids(samples.invoice(vat=wrong, vat_total=697, gross=4827, due=4827))


def test_reverse_charge_without_the_buyer_vat_id_breaks_br_ae_02() -> None:
    buyer = dataclasses.replace(samples.EU_BUYER, vat_id="")
    assert "BR-AE-02" in ids(samples.reverse_charge(buyer=buyer))


def test_reverse_charge_with_vat_charged_breaks_br_ae_08_or_09() -> None:
    row = (VatBreakdown(0, "AE", 25000, 100, samples.REVERSE_CHARGE),)
    found = ids(samples.reverse_charge(vat=row, vat_total=100, gross=25100, due=25100))
    assert found & {"BR-AE-08", "BR-AE-09"}


def test_a_missing_seller_country_fails_schema_and_br_09() -> None:
    seller = dataclasses.replace(
        samples.SELLER, address=PostalAddress("Hafenstraße 1", "", "20457", "Hamburg", "")
    )
    found = ids(samples.invoice(seller=seller))
    assert {"XSD", "BR-09"} <= found


def test_a_missing_buyer_name_breaks_br_07() -> None:
    assert "BR-07" in ids(samples.invoice(buyer=dataclasses.replace(samples.BUYER, name="")))


def test_a_seller_without_vat_id_or_tax_number_breaks_br_s_02() -> None:
    seller = dataclasses.replace(samples.SELLER, vat_id="", tax_number="")
    assert "BR-S-02" in ids(samples.invoice(seller=seller))


def test_an_unknown_currency_breaks_the_code_list_rule() -> None:
    assert "BR-CL-04" in ids(samples.invoice(currency="XYZ"))


def test_a_malformed_tree_fails_the_xsd() -> None:
    xml = build_xml(samples.invoice())
    root = etree.fromstring(xml)
    ns = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    header = root.find(f".//{{{ns}}}ApplicableHeaderTradeAgreement")
    assert header is not None
    etree.SubElement(header, f"{{{ns}}}NoSuchElement").text = "x"
    found = v.validate_xml(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
    assert [rule for rule, _ in found] == ["XSD"]
    assert "NoSuchElement" in found[0][1]


def test_xml_that_does_not_parse_is_an_xsd_finding() -> None:
    found = v.validate_xml(b"<rsm:CrossIndustryInvoice")
    assert [rule for rule, _ in found] == ["XSD"]


def test_render_invoice_refuses_with_the_rule_ids() -> None:
    with pytest.raises(EInvoiceInvalid) as err:
        render_invoice(samples.invoice(buyer=dataclasses.replace(samples.BUYER, name="")))
    assert "BR-07" in {rule for rule, _ in err.value.errors}
    assert "BR-07" in str(err.value)
    assert all(message for _, message in err.value.errors)


def test_a_rule_set_that_is_missing_raises(tmp_path: Path) -> None:
    with pytest.raises(ValidatorUnavailable):
        v.check_rules(build_xml(samples.invoice()), tmp_path / "EN16931-CII-validation.xslt")


def test_a_rule_set_that_checks_nothing_raises(tmp_path: Path) -> None:
    # A stylesheet that "reports" without any rule firing must not read as valid.
    empty = tmp_path / "empty.xslt"
    empty.write_text(
        '<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"'
        ' xmlns:svrl="http://purl.oclc.org/dsdl/svrl">'
        '<xsl:template match="/"><svrl:schematron-output/></xsl:template>'
        "</xsl:stylesheet>"
    )
    with pytest.raises(ValidatorUnavailable, match="checked no rule"):
        v.check_rules(build_xml(samples.invoice()), empty)


def test_a_rule_set_that_does_not_compile_raises(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xslt"
    broken.write_text("<xsl:stylesheet")
    with pytest.raises(ValidatorUnavailable):
        v.check_rules(build_xml(samples.invoice()), broken)


def test_the_vendored_cen_rules_are_the_noted_release() -> None:
    head = v.CEN_RULES.read_text(encoding="utf-8")[:600]
    assert "Schematron version 1.3.16" in head
    assert "EUPL" in head
    assert (v.RULES / "LICENSE.txt").is_file()


def test_text_xml_cannot_hold_is_refused_not_a_crash() -> None:
    doc = samples.invoice()
    line = dataclasses.replace(doc.lines[0], description="Kaffee\x01bohnen")
    with pytest.raises(EInvoiceInvalid) as err:
        render_invoice(samples.invoice(lines=(line, *doc.lines[1:])))
    assert [rule for rule, _ in err.value.errors] == ["XML"]


def test_the_rules_may_not_reach_the_network(tmp_path: Path) -> None:
    # A rule set that reads a URL over HTTP: Saxon refuses, so the check raises,
    # and the local server never sees a request.
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", "8")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"<codes/>")

        def log_message(self, *args: object) -> None:
            pass

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        rules = tmp_path / "online.xslt"
        rules.write_text(
            '<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"'
            ' xmlns:svrl="http://purl.oclc.org/dsdl/svrl"><xsl:template match="/">'
            "<svrl:schematron-output><svrl:fired-rule/>"
            f"<xsl:copy-of select=\"doc('http://127.0.0.1:{port}/codes.xml')\"/>"
            "</svrl:schematron-output></xsl:template></xsl:stylesheet>"
        )
        try:
            with pytest.raises(ValidatorUnavailable, match="prohibited"):
                v.check_rules(build_xml(samples.invoice()), rules)
        finally:
            server.shutdown()
    assert hits == []


def test_concurrent_validations_each_get_their_own_answer() -> None:
    v.prepare()
    good, bad = build_xml(samples.invoice()), build_xml(samples.invoice(vat_total=710))
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(v.validate_xml, [good, bad] * 8))
    assert results[0::2] == [[]] * 8
    assert all("BR-CO-14" in {rule for rule, _ in r} for r in results[1::2])
