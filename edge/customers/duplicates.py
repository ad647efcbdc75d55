"""Duplicate candidates of a new record: active customers sharing the
e-mail, a phone number, or first + last name and date of birth. Imports
``edge.customers.records`` and ``edge.customers.lookup``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.customers import records as r
from edge.customers.lookup import customer_row

DUPLICATE_LIMIT = 10


def find_duplicates(
    conn: sqlite3.Connection, record: dict[str, Any], *, exclude: int | None = None
) -> list[dict[str, Any]]:
    """Active customers sharing the e-mail, a phone number, or name + date of birth."""
    keys = r.derived(record)
    hits: dict[int, set[str]] = {}

    def add(rows: list[sqlite3.Row], why: str) -> None:
        for row in rows:
            hits.setdefault(row["id"], set()).add(why)

    if keys["email_key"]:
        add(
            conn.execute(
                "SELECT id FROM customers WHERE email_key = ? AND email_key != ''"
                " AND status = 'active' LIMIT ?",
                [keys["email_key"], DUPLICATE_LIMIT],
            ).fetchall(),
            "email",
        )
    for number in keys["phone_digits"].split():
        add(
            conn.execute(
                "SELECT c.id FROM customer_phones p JOIN customers c ON c.id = p.customer_id"
                " WHERE p.digits = ? AND c.status = 'active' LIMIT ?",
                [number, DUPLICATE_LIMIT],
            ).fetchall(),
            "phone",
        )
    dob = record.get("date_of_birth")
    if keys["lf_key"] and record.get("first_name") and dob:
        add(
            conn.execute(
                "SELECT id FROM customers WHERE lf_key = ? AND lf_key != ''"
                " AND date_of_birth = ? AND status = 'active' LIMIT ?",
                [keys["lf_key"], r.to_db("date_of_birth", dob), DUPLICATE_LIMIT],
            ).fetchall(),
            "name_and_date_of_birth",
        )
    hits.pop(exclude, None)  # type: ignore[arg-type]
    out = []
    for cid in sorted(hits)[:DUPLICATE_LIMIT]:
        row = customer_row(conn, cid)
        out.append(
            {
                "id": str(cid),
                "customer_number": row["customer_number"],
                "display_name": row["display_name"],
                "email": row["email"],
                "phone": row["phone"] or row["mobile"],
                "matched": sorted(hits[cid]),
            }
        )
    return out
