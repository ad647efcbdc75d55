"""Permanent deletion of customers without revenue (no journal entry,
operation, purchase or balance, and no merged record pointing at them).
Imports ``edge.errors`` and ``edge.customers.records``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.customers import records as r
from edge.errors import Conflict, FieldErrors

_WITHOUT_REVENUE = """
    SELECT c.id FROM customers c
    WHERE NOT EXISTS (SELECT 1 FROM journal j WHERE j.customer_id = c.id)
      AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.id)
      AND NOT EXISTS (SELECT 1 FROM operations o WHERE o.customer_id = c.id)
      AND NOT EXISTS (SELECT 1 FROM balances b WHERE b.customer_id = c.id
                      AND (b.cash != 0 OR b.bonus != 0 OR b.points != 0))
      AND NOT EXISTS (SELECT 1 FROM customers m WHERE m.merged_into = c.id)
"""


def without_revenue_ids(conn: sqlite3.Connection, *, only_inactive: bool) -> list[int]:
    """Customers that may be removed for good: no journal entry, no purchase,
    no operation, no balance, and no merged record pointing at them."""
    sql = _WITHOUT_REVENUE + (" AND c.status = 'inactive'" if only_inactive else "")
    return [row[0] for row in conn.execute(sql)]


def purge_without_revenue(
    conn: sqlite3.Connection,
    *,
    dry_run: bool,
    expected_count: int | None,
    only_inactive: bool,
) -> dict[str, Any]:
    """Count (dry run) or delete customers without revenue.

    A real run must repeat the count its dry run showed (``expected_count``):
    if anything changed in between, nothing is deleted.
    """
    ids = without_revenue_ids(conn, only_inactive=only_inactive)
    if dry_run:
        return {"dry_run": True, "count": len(ids), "deleted": 0}
    if expected_count is None:
        raise FieldErrors.one(
            "expected_count",
            "required when dry_run is false",
            "run a dry run first and send its count as expected_count",
        )
    if expected_count != len(ids):
        raise Conflict(
            f"the dry run counted {expected_count}, now there are {len(ids)}; count again",
            count=len(ids),
        )
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS purge_ids (id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM purge_ids")
    conn.executemany("INSERT INTO purge_ids (id) VALUES (?)", [(i,) for i in ids])
    grams = conn.execute(
        "SELECT id, phone_digits FROM customers WHERE id IN (SELECT id FROM purge_ids)"
        " AND phone_digits != ''"
    ).fetchall()
    conn.executemany(
        "DELETE FROM customer_phone_grams WHERE gram = ? AND customer_id = ? AND digits = ?",
        [g for row in grams for g in r.gram_rows(row["id"], row["phone_digits"])],
    )
    conn.execute("DELETE FROM balances WHERE customer_id IN (SELECT id FROM purge_ids)")
    conn.execute("DELETE FROM customers WHERE id IN (SELECT id FROM purge_ids)")
    conn.execute("DELETE FROM purge_ids")
    return {"dry_run": False, "count": len(ids), "deleted": len(ids)}
