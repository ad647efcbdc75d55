"""Row <-> record conversion and the derived columns (display name, search keys).

One place decides how a stored row looks on the wire and which derived
columns accompany it, so the service, the bulk seeder and the benchmark
cannot drift apart.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from edge import ledger
from edge.customers.normalize import age_on, digits, fold, vat_country

# Writable columns, in the order of edge.customers.fields.CustomerFields.
FIELDS: tuple[str, ...] = (
    "type", "customer_number", "title", "first_name", "last_name", "alias", "gender",
    "date_of_birth", "social_security_number", "email", "invoice_email", "phone",
    "business_phone", "mobile", "fax", "whatsapp", "whatsapp_opt_in", "homepage",
    "newsletter_opt_in", "email_invoices", "preferred_language", "street", "house_number",
    "postal_code", "city", "country", "care_of", "po_box", "latitude", "longitude",
    "company_name", "vat_id", "tax_id", "registration_number", "business_type", "industry",
    "group_id", "segment", "discount_percent", "price_level", "credit_limit",
    "allow_invoice_payment", "do_not_dun", "payment_terms_days", "payment_method", "net_mode",
    "iban", "bic", "bank_name", "sepa_mandate_reference", "sepa_mandate_date", "favourite",
    "blocked", "lock_text", "loss_reason", "notes", "memo", "third_party_memo", "is_employee",
    "is_debtor", "points_blocked",
)  # fmt: skip
BOOL_FIELDS = frozenset(
    {
        "whatsapp_opt_in", "newsletter_opt_in", "email_invoices", "allow_invoice_payment",
        "do_not_dun", "net_mode", "favourite", "blocked", "is_employee", "is_debtor",
        "points_blocked",
    }
)  # fmt: skip
PHONE_FIELDS = ("phone", "business_phone", "mobile", "fax", "whatsapp")
# Columns of the customers table that hold FIELDS (the memo lives in its own table).
ROW_FIELDS: tuple[str, ...] = tuple(f for f in FIELDS if f != "third_party_memo")
KEY_COLUMNS = ("display_name", "fl_key", "lf_key", "company_key", "email_key", "phone_digits")
INSERT_COLUMNS: tuple[str, ...] = (
    *ROW_FIELDS, *KEY_COLUMNS, "status", "created_at", "created_by", "updated_at", "updated_by",
)  # fmt: skip
INSERT_SQL = (
    f"INSERT INTO customers ({', '.join(INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in INSERT_COLUMNS)})"
)


GRAM = 4  # phone fragments are found by their 4-digit windows


def phone_grams(number: str) -> set[str]:
    """The distinct 4-digit windows of one number's E.164 digits."""
    return {number[i : i + GRAM] for i in range(len(number) - GRAM + 1)}


def gram_rows(customer_id: int, phone_digits: str) -> list[tuple[str, int, str]]:
    return [
        (gram, customer_id, number)
        for number in dict.fromkeys(phone_digits.split())
        for gram in phone_grams(number)
    ]


def display_name(values: dict[str, Any]) -> str:
    if values.get("type") == "business" and values.get("company_name"):
        return str(values["company_name"])
    name = " ".join(str(values[k]) for k in ("first_name", "last_name") if values.get(k))
    return name or str(values.get("company_name") or values.get("alias") or "")


def derived(values: dict[str, Any]) -> dict[str, str]:
    """Display name and search keys of a (normalised) record."""
    first, last = fold(values.get("first_name")), fold(values.get("last_name"))
    phones = [digits(values[f]) for f in PHONE_FIELDS if values.get(f)]
    return {
        "display_name": display_name(values),
        "fl_key": " ".join(x for x in (first, last) if x),
        "lf_key": " ".join(x for x in (last, first) if x),
        "company_key": fold(values.get("company_name")),
        "email_key": (values.get("email") or "").lower(),
        "phone_digits": " ".join(dict.fromkeys(phones)),
    }


def to_db(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field in BOOL_FIELDS:
        return int(bool(value))
    if field == "group_id":
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def from_db(field: str, value: Any) -> Any:
    if field in BOOL_FIELDS:
        return bool(value)
    if field == "group_id":
        return None if value is None else str(value)
    return value


def effective_discount(row: sqlite3.Row | dict[str, Any], group_default: int | None) -> int:
    """SPEC §4: the customer's own percent when set (0 counts), else the group's, else 0.

    The rule itself lives in the ledger core, next to the rest of the pricing.
    """
    return ledger.effective_discount(row["discount_percent"], group_default)


def reverse_charge(row: sqlite3.Row | dict[str, Any], box_country: str) -> bool:
    """Net mode in effect: set by hand, or a business with another EU state's VAT ID."""
    if row["net_mode"]:
        return True
    vat = row["vat_id"]
    return bool(row["type"] == "business" and vat and vat_country(vat) != box_country)


def age_alert(dob: str | None, years: int, today: date) -> bool:
    if not dob or years <= 0:
        return False
    try:
        born = date.fromisoformat(dob)
    except ValueError:
        return False
    return age_on(born, today) < years
