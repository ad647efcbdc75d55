"""The invoice document as UN/CEFACT Cross Industry Invoice XML (D16B), profile
EN 16931 of ZUGFeRD 2.x / Factur-X, built with drafthorse.

drafthorse models the CII tree and writes the elements in the schema's order;
it is asked not to validate (``schema=None``) because its bundled XSD is older
than the one :mod:`.validation` checks against, and the one check that counts
is ours, with the business rules, before anything is issued.

Business terms (BT-n) are EN 16931's; the comments name them where the
mapping is not obvious.
"""

from __future__ import annotations

from decimal import Decimal

from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration, TradeParty
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import LineItem

import l10n
from edge.invoices.document import DocumentLine, InvoiceDocument, Party

GUIDELINE = "urn:cen.eu:en16931:2017"
TYPE_CODES = {"invoice": "380", "credit_note": "381"}  # UNTDID 1001
PIECE = "H87"  # UN/ECE Rec 20: one piece
DIRECT_DEBIT = "59"  # UNTDID 4461: SEPA direct debit
REVERSE_CHARGE_CODE = "VATEX-EU-AE"  # VATEX: reverse charge


def build_xml(doc: InvoiceDocument) -> bytes:
    """The CII XML of ``doc`` (UTF-8, with declaration), not yet validated."""
    x = Document()
    x.context.guideline_parameter.id = GUIDELINE
    _header(x, doc)
    _parties(x, doc)
    for line in doc.lines:
        x.trade.items.add(_line(doc, line))
    _settlement(x, doc)
    return bytes(x.serialize(schema=None))


def amount(minor: int, currency: str) -> Decimal:
    """Minor units as the decimal amount CII writes: 1250 EUR → 12.50."""
    return l10n.minor_units(int(minor), currency)


def quantity(milli: int) -> Decimal:
    """Thousandths as a decimal quantity: 2500 → 2.500."""
    return Decimal(int(milli)).scaleb(-3)


def rate(basis_points: int) -> Decimal:
    """1900 → 19.00 (percent, two decimals)."""
    return Decimal(int(basis_points)).scaleb(-2)


def _header(x: Document, doc: InvoiceDocument) -> None:
    x.header.id = doc.number
    x.header.type_code = TYPE_CODES[doc.kind]
    x.header.issue_date_time = doc.issue_date
    for text in doc.notes:
        note = IncludedNote()
        note.content = text
        x.header.notes.add(note)


def _party(target: TradeParty, party: Party, *, with_id: bool) -> None:
    if with_id and party.customer_number:
        target.id = party.customer_number  # BT-46 buyer identifier
    target.name = party.name
    if party.contact:
        target.contact.person_name = party.contact
    address = party.address
    target.address.postcode = address.postcode or None
    target.address.line_one = address.line1 or None
    target.address.line_two = address.line2 or None
    target.address.city_name = address.city or None
    target.address.country_id = address.country
    if party.email:
        target.electronic_address.uri_ID = ("EM", party.email)  # BT-34/BT-49, EAS "EM"
    if party.vat_id:
        target.tax_registrations.add(TaxRegistration(id=("VA", party.vat_id)))  # BT-31/BT-48
    if party.tax_number:
        target.tax_registrations.add(TaxRegistration(id=("FC", party.tax_number)))  # BT-32


def _parties(x: Document, doc: InvoiceDocument) -> None:
    _party(x.trade.agreement.seller, doc.seller, with_id=False)
    _party(x.trade.agreement.buyer, doc.buyer, with_id=True)
    x.trade.delivery.event.occurrence = doc.delivery_date  # BT-72


def _line(doc: InvoiceDocument, line: DocumentLine) -> LineItem:
    li = LineItem()
    li.document.line_id = str(line.position)
    if line.sku:
        li.product.seller_assigned_id = line.sku  # BT-155
    li.product.name = line.description
    li.agreement.net.amount = amount(line.unit_net, doc.currency)  # BT-146
    li.delivery.billed_quantity = (quantity(line.quantity_milli), PIECE)  # BT-129/130
    li.settlement.trade_tax.type_code = "VAT"
    li.settlement.trade_tax.category_code = line.vat_category
    li.settlement.trade_tax.rate_applicable_percent = rate(line.vat_rate_bp)
    li.settlement.monetary_summation.total_amount = amount(line.net, doc.currency)  # BT-131
    return li


def _settlement(x: Document, doc: InvoiceDocument) -> None:
    s = x.trade.settlement
    cur = doc.currency
    s.currency_code = cur
    s.payment_reference = doc.number  # BT-83: the transfer names the invoice
    if doc.sepa is not None:
        s.creditor_reference_id = doc.sepa.creditor_id  # BT-90
        means = PaymentMeans()
        means.type_code = DIRECT_DEBIT
        means.payer_account.iban = doc.sepa.debtor_iban  # BT-91
        s.payment_means.add(means)
    for row in doc.vat:
        tax = ApplicableTradeTax()
        tax.calculated_amount = amount(row.vat, cur)  # BT-117
        tax.type_code = "VAT"
        if row.exemption_reason:
            tax.exemption_reason = row.exemption_reason  # BT-120
        tax.basis_amount = amount(row.net, cur)  # BT-116
        tax.category_code = row.category  # BT-118
        if row.category == "AE":
            tax.exemption_reason_code = REVERSE_CHARGE_CODE  # BT-121
        tax.rate_applicable_percent = rate(row.rate_bp)  # BT-119
        s.trade_tax.add(tax)
    terms = PaymentTerms()
    if doc.payment_terms:
        terms.description = doc.payment_terms  # BT-20
    terms.due = doc.due_date  # BT-9
    if doc.sepa is not None:
        terms.debit_mandate_id = doc.sepa.mandate_reference  # BT-89
    s.terms.add(terms)
    m = s.monetary_summation
    m.line_total = amount(sum(line.net for line in doc.lines), cur)  # BT-106
    m.tax_basis_total = amount(doc.net, cur)  # BT-109
    m.tax_total = (amount(doc.vat_total, cur), cur)  # BT-110
    m.grand_total = amount(doc.gross, cur)  # BT-112
    if doc.prepaid:
        m.prepaid_total = amount(doc.prepaid, cur)  # BT-113
    m.due_amount = amount(doc.due, cur)  # BT-115
    if doc.preceding_number:
        s.invoice_referenced_document.issuer_assigned_id = doc.preceding_number  # BT-25
