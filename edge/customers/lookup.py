"""Single facts about a customer, read by every other customer module: the
id on the wire, the row, its group, memo and balances, and the shapes of a
group and a card in answers. Imports ``edge.errors``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.errors import NotFound
from edge.platform.bounds import parse_row_id


def parse_id(raw: str | int) -> int:
    """Customer ids are opaque strings on the wire (rowids here)."""
    cid = parse_row_id(raw)
    if cid is None:
        raise NotFound(f"no customer {raw}")
    return cid


def customer_row(conn: sqlite3.Connection, customer_id: int, columns: str = "*") -> sqlite3.Row:
    row = conn.execute(f"SELECT {columns} FROM customers WHERE id = ?", [customer_id]).fetchone()
    if row is None:
        raise NotFound(f"no customer {customer_id}")
    return row  # type: ignore[no-any-return]


def group_row(conn: sqlite3.Connection, group_id: int | None) -> sqlite3.Row | None:
    if group_id is None:
        return None
    return conn.execute(  # type: ignore[no-any-return]
        "SELECT * FROM customer_groups WHERE id = ?", [group_id]
    ).fetchone()


def memo(conn: sqlite3.Connection, customer_id: int) -> str | None:
    """The third-party memo (kept out of the customers row: up to 1 MB)."""
    row = conn.execute(
        "SELECT text FROM customer_third_party_memos WHERE customer_id = ?", [customer_id]
    ).fetchone()
    return None if row is None else str(row["text"])


def balances(conn: sqlite3.Connection, customer_id: int) -> tuple[int, int, int]:
    """Cash, bonus, points (0/0/0 without a balances row)."""
    row = conn.execute(
        "SELECT cash, bonus, points FROM balances WHERE customer_id = ?", [customer_id]
    ).fetchone()
    return (row["cash"], row["bonus"], row["points"]) if row else (0, 0, 0)


def group_out(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "default_discount_percent": row["default_discount_percent"],
        "color": row["color"],
        "sort_order": row["sort_order"],
    }


def card_out(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "uid": row["uid"],
        "status": row["status"],
        "deposit_paid": bool(row["deposit_paid"]),
        "created_at": row["created_at"],
    }
