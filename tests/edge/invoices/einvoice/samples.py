"""Invoice documents for the e-invoice tests: one good standard-rated invoice,
a reverse-charge one, a credit note and a SEPA one, each consistent as the
invoice book builds them (line nets sum to the breakdown, VAT rounded half up)."""

from __future__ import annotations

import dataclasses
from datetime import date

from edge.invoices.document import (
    DocumentLine,
    InvoiceDocument,
    Party,
    PostalAddress,
    SepaNotice,
    VatBreakdown,
)

SELLER = Party(
    name="Café Nord GmbH",
    address=PostalAddress("Hafenstraße 1", "", "20457", "Hamburg", "DE"),
    vat_id="DE123456789",
    tax_number="22/815/08150",
    email="rechnung@cafe-nord.example",
)
BUYER = Party(
    name="Müller Catering KG",
    address=PostalAddress("Lindenallee 7", "Hinterhaus", "10115", "Berlin", "DE"),
    email="buchhaltung@mueller.example",
    contact="Eva Müller",
    customer_number="10042",
)
EU_BUYER = Party(
    name="Van Dijk Horeca B.V.",
    address=PostalAddress("Keizersgracht 100", "", "1015 CV", "Amsterdam", "NL"),
    vat_id="NL859048705B01",
    customer_number="10077",
)
REVERSE_CHARGE = "Steuerschuldnerschaft des Leistungsempfängers"


def invoice(**changes: object) -> InvoiceDocument:
    """Two rates: 2 × 12,50 + 2,5 × 4,00 at 19 %, 3 × 2,10 at 7 %."""
    lines = (
        DocumentLine(1, "Kaffeebohnen 1 kg", 2000, 1250, 2500, 1900, "S", "KB-1"),
        DocumentLine(2, "Milch, lose (Liter)", 2500, 400, 1000, 1900, "S"),
        DocumentLine(3, "Croissant", 3000, 210, 630, 700, "S", "CR-3"),
    )
    vat = (VatBreakdown(1900, "S", 3500, 665), VatBreakdown(700, "S", 630, 44))
    doc = InvoiceDocument(
        kind="invoice",
        number="RE-2026-00017",
        issue_date=date(2026, 12, 4),
        delivery_date=date(2026, 12, 3),
        due_date=date(2027, 1, 3),
        currency="EUR",
        seller=SELLER,
        buyer=BUYER,
        lines=lines,
        vat=vat,
        net=4130,
        vat_total=709,
        gross=4839,
        prepaid=0,
        due=4839,
        payment_terms="Zahlbar bis 03.01.2027 ohne Abzug",
        notes=("Vielen Dank für Ihren Auftrag.",),
    )
    return dataclasses.replace(doc, **changes)  # type: ignore[arg-type]


def reverse_charge(**changes: object) -> InvoiceDocument:
    lines = (DocumentLine(1, "Espressomaschine Service", 1000, 25000, 25000, 0, "AE"),)
    doc = invoice(
        number="RE-2026-00018",
        buyer=EU_BUYER,
        lines=lines,
        vat=(VatBreakdown(0, "AE", 25000, 0, REVERSE_CHARGE),),
        net=25000,
        vat_total=0,
        gross=25000,
        due=25000,
        reverse_charge=True,
        language="en",
        payment_terms="Net 30",
    )
    return dataclasses.replace(doc, **changes)  # type: ignore[arg-type]


def credit_note(**changes: object) -> InvoiceDocument:
    doc = invoice(kind="credit_note", number="RE-2026-00019", preceding_number="RE-2026-00017")
    return dataclasses.replace(doc, **changes)  # type: ignore[arg-type]


def sepa(**changes: object) -> InvoiceDocument:
    notice = SepaNotice(
        creditor_id="DE98ZZZ09999999999",
        mandate_reference="MANDAT-10042-1",
        debtor_iban="DE02120300000000202051",
        collection_date=date(2027, 1, 5),
    )
    doc = invoice(number="RE-2026-00020", sepa=notice, due_date=date(2027, 1, 5))
    return dataclasses.replace(doc, **changes)  # type: ignore[arg-type]
