"""What an invoice document says, as plain data: the one interface between the
invoice book (numbers, states, payments) and the e-invoice renderer (CII XML,
PDF/A-3, validation), so either can change without the other.

Amounts are integer minor units (cents); quantities are thousandths, so
``quantity_milli=2500`` is 2.5 pieces. A document is built once, when the
invoice is issued, and never changes afterwards (an issued invoice is
immutable; a correction is a credit note with its own document).

Consistency the builder guarantees and the renderer may rely on (EN 16931
BR-CO-10/13/14/15/17): line nets sum to each breakdown's ``net``; each
breakdown's ``vat`` is ``round_half_up(net * rate_bp / 10000)``; totals are
the sums of the breakdowns; ``due`` = ``gross`` - ``prepaid``.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Literal

# UNTDID 5305 VAT category codes used on the box: standard, zero-rated,
# exempt, and reverse charge ("AE", with the note and both VAT IDs).
VatCategory = Literal["S", "Z", "E", "AE"]
DocumentKind = Literal["invoice", "credit_note"]


@dataclasses.dataclass(frozen=True)
class PostalAddress:
    line1: str = ""  # street and house number
    line2: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "DE"  # ISO 3166-1 alpha-2


@dataclasses.dataclass(frozen=True)
class Party:
    name: str  # person's full name, or the company
    address: PostalAddress
    vat_id: str = ""
    tax_number: str = ""
    email: str = ""
    contact: str = ""  # a business customer's contact person, if any
    customer_number: str = ""  # the buyer's number at the shop (BT-46)


@dataclasses.dataclass(frozen=True)
class DocumentLine:
    position: int  # 1, 2, ...
    description: str
    quantity_milli: int
    unit_net: int  # net price per unit, minor units
    net: int  # line net after discounts, minor units
    vat_rate_bp: int  # 1900 = 19 %
    vat_category: VatCategory = "S"
    sku: str = ""


@dataclasses.dataclass(frozen=True)
class VatBreakdown:
    rate_bp: int
    category: VatCategory
    net: int
    vat: int
    exemption_reason: str = ""  # required for "AE" and "E"


@dataclasses.dataclass(frozen=True)
class SepaNotice:
    """The pre-notification of a direct debit (BACKOFFICE §10)."""

    creditor_id: str
    mandate_reference: str
    debtor_iban: str
    collection_date: date


@dataclasses.dataclass(frozen=True)
class InvoiceDocument:
    kind: DocumentKind
    number: str
    issue_date: date
    delivery_date: date
    due_date: date
    currency: str
    seller: Party
    buyer: Party
    lines: tuple[DocumentLine, ...]
    vat: tuple[VatBreakdown, ...]
    net: int
    vat_total: int
    gross: int
    prepaid: int = 0
    due: int = 0
    payment_terms: str = ""  # e.g. "Zahlbar bis 18.12.2026 ohne Abzug"
    notes: tuple[str, ...] = ()
    reverse_charge: bool = False
    preceding_number: str = ""  # a credit note names the invoice it corrects
    sepa: SepaNotice | None = None
    language: Literal["de", "en"] = "de"
