"""The records' side of merging two customers: which pairs may merge, and
moving cards, history and purchases to the target, filling its empty fields
and deactivating the source. The money moves first, in
:mod:`edge.money.merge`, which calls both in one transaction. Imports
``edge.errors`` and the customer modules below it.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.customers import records as r
from edge.customers.edit import MEMO, update_customer_unchecked
from edge.customers.history import log_change
from edge.customers.lookup import customer_row, memo
from edge.errors import Conflict, CustomerInactive, FieldErrors, NotFound

# Never copied from the source into empty target fields.
_NOT_MERGED = frozenset({"type", "customer_number", "social_security_number"}) | r.BOOL_FIELDS


def merge_pair(
    conn: sqlite3.Connection, target_id: int, source_id: int
) -> tuple[sqlite3.Row, sqlite3.Row]:
    """The target and source rows, if the source may be merged into the target."""
    if target_id == source_id:
        raise FieldErrors.one(
            "source_id", "same as the target", "a customer cannot be merged into itself"
        )
    target = customer_row(conn, target_id)
    source = conn.execute("SELECT * FROM customers WHERE id = ?", [source_id]).fetchone()
    if source is None:
        raise NotFound(
            f"no customer {source_id}",
            errors=[{"field": "source_id", "message": "no such customer"}],
        )
    if source["merged_into"] is not None:
        raise Conflict(f"customer {source_id} was already merged into {source['merged_into']}")
    if target["status"] != "active":
        raise CustomerInactive("the merge target is deactivated")
    return target, source


def merge_records(
    conn: sqlite3.Connection, target: sqlite3.Row, source: sqlite3.Row, *, actor: str, now: str
) -> dict[str, Any]:
    """Move the source's cards, history and purchases to the target; fill the
    target's empty fields from the source; deactivate the source."""
    target_id, source_id = int(target["id"]), int(source["id"])
    moved = {
        what: conn.execute(
            f"UPDATE {table} SET customer_id = ? WHERE customer_id = ?", [target_id, source_id]
        ).rowcount
        for what, table in (
            ("cards", "cards"),
            ("history", "customer_history"),
            ("purchases", "purchases"),
        )
    }
    # Fill the target's empty fields from the source: nothing the shop typed is lost.
    fill = {
        f: r.from_db(f, source[f])
        for f in r.ROW_FIELDS
        if f not in _NOT_MERGED and target[f] is None and source[f] is not None
    }
    if memo(conn, target_id) is None:
        source_memo = memo(conn, source_id)
        if source_memo is not None:
            fill[MEMO] = source_memo
    filled: list[str] = []
    if fill:
        filled = update_customer_unchecked(conn, target_id, fill, actor=actor, now=now)
    log_change(conn, target_id, actor, now, "merged_from", None, source["customer_number"])
    conn.execute(
        "UPDATE customers SET status = 'inactive', merged_into = ?, updated_at = ?,"
        " updated_by = ? WHERE id = ?",
        [target_id, now, actor, source_id],
    )
    log_change(conn, source_id, actor, now, "merged_into", None, target["customer_number"])
    if source["status"] != "inactive":
        log_change(conn, source_id, actor, now, "status", source["status"], "inactive")
    return {
        "target_id": str(target_id),
        "source_id": str(source_id),
        "moved": moved,
        "filled_fields": filled,
    }
