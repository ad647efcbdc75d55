"""A valid creditor and valid debits to vary: each test changes one thing.

Dates are real: a file made on Monday 4 January 2027 for invoices of that day
can collect from 18 January (4 Jan + 14 days pre-notification, a Monday)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from lxml import etree

from edge.sepa.model import Creditor, DirectDebit, PostalAddress

MADE = datetime(2027, 1, 4, 9, 30)
NOTICE_DAYS = 14
COLLECT = date(2027, 1, 18)
IBAN = "DE89370400440532013000"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}

CREDITOR = Creditor(
    name="Café Nord GmbH",
    creditor_id="DE98ZZZ09999999999",
    iban="DE02120300000000202051",
    bic="BYLADEM1001",
    address=PostalAddress("Hamburg", "DE", "Große Straße", "12a", "20095"),
)


def debit(n: int = 1, **changes: Any) -> DirectDebit:
    base = DirectDebit(
        invoice_id=n,
        invoice_number=f"RE-2027-{n:05d}",
        invoice_date=date(2027, 1, 4),
        amount=1190 * n,
        end_to_end_id=f"RE-2027-{n:05d}",
        remittance=f"Rechnung RE-2027-{n:05d} Wartung",
        mandate_reference=f"MANDAT-{n}",
        mandate_signed_on=date(2026, 6, 1),
        sequence="FRST",
        debtor_name="Jörg Müller",
        debtor_iban=IBAN,
        debtor_bic="COBADEFFXXX",
        debtor_address=PostalAddress("Köln", "DE", "Domstraße", "1", "50667"),
        collection_date=COLLECT,
    )
    return dataclasses.replace(base, **changes)


def parse(xml: bytes) -> etree._Element:
    """An independent reading of the file: plain lxml, namespace prefix ``p``."""
    return etree.fromstring(xml)


def texts(doc: etree._Element, path: str) -> list[str]:
    return [str(x) for x in doc.xpath(path + "/text()", namespaces=NS)]


def cents(text: str) -> int:
    units, _, frac = text.partition(".")
    return int(units) * 100 + int(frac.ljust(2, "0"))
