"""The PDF/A-3 an invoice is: it parses, carries factur-x.xml byte for byte as
its associated file, declares PDF/A-3b and the Factur-X EN 16931 profile in
its XMP, embeds its fonts, and reads as an invoice in the document's language.

veraPDF (the PDF/A conformance checker) is a Java tool that no package
registry here ships, so the PDF/A rules are checked piece by piece below;
poppler's pdftoppm renders page 1 to show a real reader opens it.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from drafthorse.models.document import Document
from facturx import get_level, get_xml_from_pdf
from lxml import etree
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from edge.invoices.einvoice import Rendered, render_invoice
from tests.edge.invoices.einvoice import samples

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XMP_NS = {
    "rdf": RDF,
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
}


@pytest.fixture(scope="module")
def rendered() -> Rendered:
    return render_invoice(samples.sepa())


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def text(pdf: bytes) -> str:
    """The pages' text, with l10n's no-break spaces as plain ones."""
    pages = "\n".join(page.extract_text() for page in reader(pdf).pages)
    return pages.replace("\u00a0", " ").replace("\u202f", " ")


def xmp(pdf: bytes) -> etree._Element:
    meta = reader(pdf).trailer["/Root"]["/Metadata"].get_object()
    return etree.fromstring(meta.get_data())


def xmp_value(root: etree._Element, name: str) -> str:
    """An XMP property, written either as an element or as an attribute."""
    prefix, local = name.split(":")
    uri = XMP_NS[prefix]
    for el in root.iter(f"{{{uri}}}{local}"):
        return (el.text or "").strip()
    for desc in root.iter(f"{{{RDF}}}Description"):
        if f"{{{uri}}}{local}" in desc.attrib:
            return desc.attrib[f"{{{uri}}}{local}"]
    raise AssertionError(f"no {name} in the XMP")


def test_the_pdf_carries_the_xml_byte_for_byte(rendered: Rendered) -> None:
    files = reader(rendered.pdf).attachments
    assert list(files) == ["factur-x.xml"]
    assert files["factur-x.xml"] == [rendered.xml]


def test_the_xml_is_an_associated_file_with_a_relationship(rendered: Rendered) -> None:
    root = reader(rendered.pdf).trailer["/Root"]
    (spec,) = [a.get_object() if isinstance(a, IndirectObject) else a for a in root["/AF"]]
    assert spec["/F"] == "factur-x.xml"
    assert spec["/AFRelationship"] in ("/Alternative", "/Data")
    assert spec["/EF"]["/F"].get_object()["/Subtype"] == "/text/xml"


def test_the_xmp_declares_pdfa3b_and_the_factur_x_profile(rendered: Rendered) -> None:
    root = xmp(rendered.pdf)
    assert xmp_value(root, "pdfaid:part") == "3"
    assert xmp_value(root, "pdfaid:conformance") == "B"
    assert xmp_value(root, "fx:DocumentType") == "INVOICE"
    assert xmp_value(root, "fx:DocumentFileName") == "factur-x.xml"
    assert xmp_value(root, "fx:ConformanceLevel") == "EN 16931"
    assert xmp_value(root, "fx:Version") == "1.0"
    # PDF/A: a custom XMP namespace must be described by an extension schema.
    schemas = etree.tostring(root).decode()
    assert "pdfaExtension:schemas" in schemas
    assert "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" in schemas


def test_pdfa_essentials_output_intent_and_embedded_fonts(rendered: Rendered) -> None:
    r = reader(rendered.pdf)
    root = r.trailer["/Root"]
    (intent,) = [i.get_object() for i in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/DestOutputProfile"].get_object().get_data()[36:40] == b"acsp"  # ICC
    assert "/Encrypt" not in r.trailer
    fonts = 0
    for page in r.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert "/FontFile2" in descriptor, font["/BaseFont"]
                fonts += 1
    assert fonts >= 2  # regular and bold DejaVu Sans


def test_german_text_has_number_total_due_date_and_sepa_notice(rendered: Rendered) -> None:
    t = text(rendered.pdf)
    for expected in (
        "Rechnung RE-2026-00020",
        "Café Nord GmbH",
        "Müller Catering KG",
        "Kaffeebohnen 1 kg",
        "48,39 €",
        "Umsatzsteuer 19 % auf 35,00 €",
        "6,65 €",
        "Fällig am",
        "05.01.2027",
        "DE98ZZZ09999999999",
        "MANDAT-10042-1",
        "Zahlbar bis 03.01.2027 ohne Abzug",
        "Vielen Dank für Ihren Auftrag.",
        "USt-IdNr. DE123456789",
    ):
        assert expected in t, expected
    assert "DE02120300000000202051" not in t  # the debtor's IBAN is masked


def test_english_reverse_charge_invoice_names_both_vat_ids() -> None:
    t = text(render_invoice(samples.reverse_charge()).pdf)
    for expected in (
        "Invoice RE-2026-00018",
        "€250.00",
        "Reverse charge",
        "DE123456789",
        "NL859048705B01",
        "Payment terms: Net 30",
        "3 Jan 2027",
    ):
        assert expected in t, expected
    assert "Rechnung" not in t


def test_a_credit_note_is_titled_so_and_names_the_corrected_invoice() -> None:
    t = text(render_invoice(samples.credit_note()).pdf)
    assert "Rechnungskorrektur RE-2026-00019" in t
    assert "Korrektur zu Rechnung" in t and "RE-2026-00017" in t
    assert "Fällig am" not in t


def test_prepaid_and_amount_due() -> None:
    t = text(render_invoice(samples.invoice(prepaid=1000, due=3839)).pdf)
    assert "Bereits bezahlt" in t and "-10,00 €" in t
    assert "Zu zahlen" in t and "38,39 €" in t


def test_many_lines_flow_onto_a_second_page() -> None:
    line = samples.invoice().lines[2]
    lines = tuple(dataclasses.replace(line, position=i + 1) for i in range(60))
    vat = (samples.VatBreakdown(700, "S", 60 * 630, 2646),)
    doc = samples.invoice(lines=lines, vat=vat, net=37800, vat_total=2646, gross=40446, due=40446)
    pdf = render_invoice(doc).pdf
    r = reader(pdf)
    assert len(r.pages) >= 2
    assert "Seite 2" in r.pages[1].extract_text()
    assert "404,46 €" in text(pdf)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_page_one_renders_with_poppler(rendered: Rendered, tmp_path: Path) -> None:
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(rendered.pdf)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
        capture_output=True,
    )
    (png,) = tmp_path.glob("p*.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 5000  # a page with text on it, not a blank


def test_other_readers_find_the_invoice(rendered: Rendered) -> None:
    # factur-x's extractor (what a receiving system may run) finds the file and
    # profile; drafthorse parses the XML back to the same number and buyer.
    name, xml = get_xml_from_pdf(rendered.pdf, check_xsd=False)
    assert (name, xml) == ("factur-x.xml", rendered.xml)
    assert get_level(etree.fromstring(xml)) == "en16931"
    parsed = Document.parse(rendered.xml)
    assert str(parsed.header.id) == "RE-2026-00020"
    assert str(parsed.trade.agreement.buyer.name) == "Müller Catering KG"
