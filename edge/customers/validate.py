"""Checks that need more than the field's own type: normalisation with the
box's country, whole-record rules (required name by type) and lookups.

All problems of one request are collected and reported together as
field-level errors; nothing is written unless every field is fine.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Any

from edge.customers import normalize as n
from edge.customers.records import PHONE_FIELDS
from edge.errors import FieldErrors
from edge.platform.bounds import parse_row_id


def _homepage(raw: str) -> str:
    text = raw.strip()
    host = text.split("://", 1)[-1]
    if " " in text or "." not in host.split("/", 1)[0]:
        raise n.FieldError("not a web address (example: https://example.com)")
    if "://" not in text:
        text = "https://" + text
    if not text.lower().startswith(("http://", "https://")):
        raise n.FieldError("use an http:// or https:// address")
    return text


def normalize_fields(values: dict[str, Any], region: str, today: date) -> dict[str, Any]:
    """Normalise the sent fields (E.164 phones, compact IBAN, …) or raise FieldErrors."""
    out = dict(values)
    errors: list[dict[str, str]] = []

    def apply(field: str, fn: Callable[[str], str]) -> None:
        v = out.get(field)
        if v is None:
            return
        try:
            out[field] = fn(v)
        except n.FieldError as e:
            errors.append({"field": field, "message": str(e)})

    for f in PHONE_FIELDS:
        apply(f, lambda v: n.normalize_phone(v, region))
    apply("email", n.normalize_email)
    apply("invoice_email", n.normalize_email)
    apply("iban", n.normalize_iban)
    apply("bic", n.normalize_bic)
    apply("vat_id", n.normalize_vat_id)
    apply("country", n.normalize_country)
    apply("homepage", _homepage)
    dob = out.get("date_of_birth")
    if dob is not None:
        if dob > today:
            errors.append({"field": "date_of_birth", "message": "is in the future"})
        elif dob.year < 1900:
            errors.append({"field": "date_of_birth", "message": "is before 1900"})
    mandate = out.get("sepa_mandate_date")
    if mandate is not None and mandate > today:
        errors.append({"field": "sepa_mandate_date", "message": "is in the future"})
    gid = out.get("group_id")
    if gid is not None and parse_row_id(gid) is None:
        errors.append({"field": "group_id", "message": "no such group"})
    if errors:
        raise FieldErrors(errors)
    return out


def check_record(
    conn: sqlite3.Connection,
    record: dict[str, Any],
    *,
    customer_id: int | None,
    ssn_unique: bool,
    changed: set[str],
) -> None:
    """Whole-record rules on the record as it would be stored."""
    errors: list[dict[str, str]] = []
    if record.get("type") == "business":
        if not record.get("company_name"):
            errors.append({"field": "company_name", "message": "required for a business customer"})
    elif not record.get("last_name"):
        errors.append({"field": "last_name", "message": "required for an individual customer"})
    gid = record.get("group_id")
    if "group_id" in changed and gid is not None:
        row = conn.execute("SELECT 1 FROM customer_groups WHERE id = ?", [int(gid)]).fetchone()
        if row is None:
            errors.append({"field": "group_id", "message": "no such group"})
    if errors:
        raise FieldErrors(errors)
    conflicts: list[dict[str, str]] = []
    number = record.get("customer_number")
    if "customer_number" in changed and number is not None:
        row = conn.execute(
            "SELECT id FROM customers WHERE customer_number = ?", [number]
        ).fetchone()
        if row is not None and row["id"] != customer_id:
            conflicts.append({"field": "customer_number", "message": "already in use"})
    ssn = record.get("social_security_number")
    if ssn_unique and ssn and "social_security_number" in changed:
        row = conn.execute(
            "SELECT id FROM customers WHERE social_security_number = ? AND id IS NOT ?",
            [ssn, customer_id],
        ).fetchone()
        if row is not None:
            conflicts.append(
                {"field": "social_security_number", "message": "already used by another customer"}
            )
    if conflicts:
        raise FieldErrors(conflicts, code="conflict")
