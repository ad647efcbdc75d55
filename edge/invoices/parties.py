"""Seller and buyer of an invoice document (§14 UStG): the shop from config
``[box]``, the customer from their record. Imports ``edge.platform`` and
``edge.invoices.document``."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from edge.invoices.document import Party, PostalAddress
from edge.platform.config import Config

_POSTCODE_CITY = re.compile(r"^\s*(?:[A-Z]{1,2}-)?(\d{4,5})\s+(.+?)\s*$")


def address_of_lines(lines: list[str], country: str) -> PostalAddress:
    """``box.address`` is free lines; a line "12345 City" is postcode and
    city, the line before it the street, anything further up a second line."""
    rest = [x.strip() for x in lines if x.strip()]
    postcode = city = ""
    for i in range(len(rest) - 1, -1, -1):
        m = _POSTCODE_CITY.match(rest[i])
        if m:
            postcode, city = m.group(1), m.group(2)
            del rest[i]
            break
    line1 = rest[-1] if rest else ""
    line2 = ", ".join(rest[:-1])
    return PostalAddress(line1, line2, postcode, city, country)


def seller(config: Config) -> Party:
    box = config.box
    return Party(
        name=box.name,
        address=address_of_lines(list(box.address), box.country),
        vat_id=box.vat_id,
        tax_number=box.tax_number,
    )


def _text(row: sqlite3.Row | dict[str, Any], key: str) -> str:
    value = row[key]
    return "" if value is None else str(value).strip()


def buyer(row: sqlite3.Row | dict[str, Any], config: Config) -> Party:
    """A business is its company (with its contact person); a person their name."""
    person = " ".join(x for x in (_text(row, "first_name"), _text(row, "last_name")) if x)
    person = person or _text(row, "display_name")
    business = row["type"] == "business" and bool(_text(row, "company_name"))
    street = " ".join(x for x in (_text(row, "street"), _text(row, "house_number")) if x)
    return Party(
        name=_text(row, "company_name") if business else person,
        address=PostalAddress(
            line1=street or _text(row, "po_box"),
            line2=_text(row, "care_of"),
            postcode=_text(row, "postal_code"),
            city=_text(row, "city"),
            country=(_text(row, "country") or config.box.country).upper(),
        ),
        vat_id=_text(row, "vat_id"),
        tax_number=_text(row, "tax_id"),
        email=_text(row, "invoice_email") or _text(row, "email"),
        contact=person if business and person != _text(row, "company_name") else "",
        customer_number=_text(row, "customer_number"),
    )
