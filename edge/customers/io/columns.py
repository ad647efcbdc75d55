"""The export's columns (BACKOFFICE §11), in order, with their headers in
both box languages and how each value is typed in the file.

The import reads the same table backwards: a header in either language (or
the field's own name) names the field, so an export can be imported again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "int", "date", "datetime", "bool", "street"]


@dataclass(frozen=True)
class Column:
    field: str  # the record field ("street" is street + house number)
    de: str
    en: str
    kind: Kind = "text"

    def header(self, lang: str) -> str:
        return self.de if lang == "de" else self.en


COLUMNS: tuple[Column, ...] = (
    Column("customer_number", "Kundennummer", "customer number", "int"),
    Column("title", "Titel", "title"),
    Column("first_name", "Vorname", "first name"),
    Column("last_name", "Name", "name"),
    Column("alias", "Alias", "alias"),
    Column("gender", "Geschlecht", "gender"),
    Column("date_of_birth", "Geburtsdatum", "date of birth", "date"),
    Column("street", "Straße/Nr.", "street/no.", "street"),
    Column("postal_code", "PLZ", "postcode"),
    Column("city", "Ort", "place"),
    Column("care_of", "c/o", "c/o"),
    Column("po_box", "Postfach", "PO box"),
    Column("country", "Land", "country"),
    Column("phone", "Telefon privat", "telephone private"),
    Column("business_phone", "Telefon geschäftlich", "business telephone"),
    Column("mobile", "Mobiltelefon", "mobile phone"),
    Column("fax", "Fax", "fax"),
    Column("email", "E-Mail", "email"),
    Column("homepage", "Homepage", "homepage"),
    Column("iban", "IBAN", "IBAN"),
    Column("bic", "BIC", "BIC"),
    Column("bank_name", "Institut", "institute"),
    Column("discount_percent", "Rabatt", "rebate", "int"),
    Column("price_level", "Preisstufe", "price level", "int"),
    Column("loss_reason", "Verlustgrund", "reason for loss"),
    Column("payment_method", "Zahlungsart", "method of payment"),
    Column("payment_terms_days", "Zahlungsziel", "term of payment", "int"),
    Column("created_at", "Kunde angelegt", "customer created", "datetime"),
    Column("updated_at", "Kunde zuletzt geändert", "client last changed", "datetime"),
    Column("favourite", "Favorit", "favourite", "bool"),
    Column("blocked", "Kunde gesperrt", "locked customer", "bool"),
)
#: Read by the export, never written by an import.
READ_ONLY = frozenset({"created_at", "updated_at"})


def headers(lang: str) -> list[str]:
    return [c.header(lang) for c in COLUMNS]


def _key(header: str) -> str:
    return " ".join(header.strip().lower().split())


def header_fields(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Header (folded) → field: both languages' export headers, the mapping
    file's own headers on top."""
    out: dict[str, str] = {}
    for c in COLUMNS:
        out[_key(c.de)] = out[_key(c.en)] = c.field
    for header, field in (extra or {}).items():
        out[_key(header)] = field
    return out


def field_of(header: str, known: dict[str, str], fields: frozenset[str]) -> str | None:
    """The field a file's column fills: a known header, or a field's own name."""
    key = _key(header)
    if key in known:
        return known[key]
    name = key.replace(" ", "_")
    return name if name in fields else None


_HOUSE = re.compile(r"^(?P<street>.*?\S)\s+(?P<no>\d+\s?[a-zA-Z]?(?:\s?[-/]\s?\d+\s?[a-zA-Z]?)?)$")


def join_street(street: str | None, number: str | None) -> str:
    return " ".join(x for x in (street, number) if x)


def split_street(text: str) -> tuple[str, str | None]:
    """ "Hauptstr. 5a" → ("Hauptstr.", "5a"); no trailing number → (text, None)."""
    m = _HOUSE.match(text.strip())
    if m is None:
        return text.strip(), None
    return m["street"], m["no"]
