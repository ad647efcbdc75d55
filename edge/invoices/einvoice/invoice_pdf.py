"""The readable side of an e-invoice: the PDF/A-3 page a person reads, in the
document's language, with the CII XML embedded as ``factur-x.xml``.

The page is written by fpdf2 (:mod:`.page`); ``factur-x``'s
``generate_from_binary`` then attaches the XML and writes the Factur-X XMP
(extension schema, DocumentType INVOICE, ConformanceLevel EN 16931,
``pdfaid`` part 3 conformance B). Its own XSD/schematron checks are switched
off: :mod:`.validation` has already checked the XML, and factur-x's
schematron check passes when its server is unreachable.
"""

from __future__ import annotations

from facturx import generate_from_binary

import l10n
from edge.invoices.document import InvoiceDocument
from edge.invoices.einvoice.page import LANG_TAGS, WIDTH, Page

# The XML is the invoice in law (Germany, B2B from 2025) and the PDF shows the
# same content: "Alternative" (ZUGFeRD 2.x for profile EN 16931); "Data" is
# for the profiles whose XML holds less than the page.
AF_RELATIONSHIP = "alternative"
COLUMNS = (12, 70, 20, 25, 15, 28)  # pos, description, qty, unit price, VAT, net


def render_pdf(doc: InvoiceDocument, xml: bytes) -> bytes:
    """The PDF/A-3b of ``doc`` with ``xml`` embedded as factur-x.xml."""
    _ = l10n.translator(doc.language)
    title = _("einvoice_title_credit_note") if doc.kind == "credit_note" else _("einvoice_title")
    pdf = Page(doc.language, f"{doc.seller.name} · {title} {doc.number}")
    pdf.stamp(doc.issue_date, f"{title} {doc.number}", doc.seller.name)
    pdf.add_page()
    pdf.letterhead(doc.seller, doc.buyer)
    pdf.heading(f"{title} {doc.number}")
    pdf.facts(_facts(pdf, doc))
    _lines(pdf, doc)
    _totals(pdf, doc)
    _texts(pdf, doc)
    base = bytes(pdf.output())
    return bytes(
        generate_from_binary(
            base,
            xml,
            flavor="factur-x",
            level="en16931",
            check_xsd=False,
            check_schematron=False,
            pdf_metadata={
                "author": doc.seller.name,
                "keywords": "Factur-X, ZUGFeRD, EN 16931",
                "title": f"{title} {doc.number}",
                "subject": f"{title} {doc.number}, {doc.buyer.name}",
            },
            lang=LANG_TAGS[pdf.language],
            afrelationship=AF_RELATIONSHIP,
        )
    )


def _facts(pdf: Page, doc: InvoiceDocument) -> list[tuple[str, str]]:
    _ = pdf._
    rows = [
        (_("einvoice_number"), doc.number),
        (_("einvoice_issue_date"), pdf.day(doc.issue_date)),
        (_("einvoice_delivery_date"), pdf.day(doc.delivery_date)),
    ]
    if doc.buyer.customer_number:
        rows.append((_("einvoice_customer_number"), doc.buyer.customer_number))
    if doc.buyer.vat_id:
        rows.append((_("einvoice_buyer_vat_id"), doc.buyer.vat_id))
    if doc.preceding_number:
        rows.append((_("einvoice_corrects"), doc.preceding_number))
    if doc.due and doc.kind == "invoice":  # a credit note is paid out, not due
        rows.append((_("einvoice_due_date"), pdf.day(doc.due_date)))
    return rows


def _lines(pdf: Page, doc: InvoiceDocument) -> None:
    _ = pdf._
    heads = (
        _("einvoice_col_pos"),
        _("einvoice_col_description"),
        _("einvoice_col_quantity"),
        _("einvoice_col_unit_price"),
        _("einvoice_col_vat"),
        _("einvoice_col_net"),
    )
    align = ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")
    with pdf.table(
        col_widths=COLUMNS,
        text_align=align,
        width=WIDTH,
        line_height=5,
        first_row_as_headings=True,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        table.row(heads)
        for line in doc.lines:
            description = line.description + (f"\n{line.sku}" if line.sku else "")
            table.row(
                (
                    str(line.position),
                    description,
                    l10n.decimal(_quantity(line.quantity_milli), pdf.language),
                    pdf.money(line.unit_net, doc.currency),
                    l10n.percent(line.vat_rate_bp, pdf.language),
                    pdf.money(line.net, doc.currency),
                )
            )
    pdf.ln(4)


def _quantity(milli: int) -> str:
    whole, rest = divmod(int(milli), 1000)
    return f"{whole}.{rest:03d}".rstrip("0").rstrip(".") if rest else str(whole)


def _totals(pdf: Page, doc: InvoiceDocument) -> None:
    _ = pdf._
    cur = doc.currency
    rows: list[tuple[str, str, bool]] = [(_("einvoice_total_net"), pdf.money(doc.net, cur), False)]
    for row in doc.vat:
        label = _("einvoice_vat_row").format(
            rate=l10n.percent(row.rate_bp, pdf.language), net=pdf.money(row.net, cur)
        )
        rows.append((label, pdf.money(row.vat, cur), False))
    rows.append((_("einvoice_total_gross"), pdf.money(doc.gross, cur), True))
    if doc.prepaid:
        rows.append((_("einvoice_prepaid"), pdf.money(-doc.prepaid, cur), False))
        rows.append((_("einvoice_amount_due"), pdf.money(doc.due, cur), True))
    pdf.sums(rows)


def _texts(pdf: Page, doc: InvoiceDocument) -> None:
    _ = pdf._
    if doc.reverse_charge or any(row.category == "AE" for row in doc.vat):
        pdf.paragraph(_("einvoice_reverse_charge"), bold=True)
        pdf.paragraph(
            _("einvoice_reverse_charge_ids").format(
                seller=doc.seller.vat_id or "-", buyer=doc.buyer.vat_id or "-"
            )
        )
    for row in doc.vat:
        if row.exemption_reason and row.category != "AE":
            pdf.paragraph(row.exemption_reason)
    if doc.sepa is not None:
        pdf.paragraph(
            _("einvoice_sepa_notice").format(
                amount=pdf.money(doc.due, doc.currency),
                date=pdf.day(doc.sepa.collection_date),
                iban=_masked(doc.sepa.debtor_iban),
            )
        )
        pdf.paragraph(
            _("einvoice_sepa_ids").format(
                creditor=doc.sepa.creditor_id, mandate=doc.sepa.mandate_reference
            )
        )
    if doc.payment_terms:
        label = _("einvoice_payment_terms")
        pdf.paragraph(f"{label}: {doc.payment_terms}")
    for note in doc.notes:
        pdf.paragraph(note)
    pdf.ln(2)
    pdf.paragraph(_("einvoice_embedded"), size=7)


def _masked(iban: str) -> str:
    """The pre-notification names the account without printing it whole."""
    compact = iban.replace(" ", "")
    return f"{compact[:4]} **** {compact[-4:]}" if len(compact) > 8 else compact
