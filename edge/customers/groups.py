"""Customer groups: name, default discount %, colour, sort order."""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.customers.lookup import group_out
from edge.errors import Conflict, NotFound
from edge.platform.bounds import parse_row_id


def parse_group_id(raw: str) -> int:
    gid = parse_row_id(raw)
    if gid is None:
        raise NotFound(f"no group {raw}")
    return gid


def _get(conn: sqlite3.Connection, group_id: int) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM customer_groups WHERE id = ?", [group_id]).fetchone()
    if row is None:
        raise NotFound(f"no group {group_id}")
    return row  # type: ignore[no-any-return]


def _name_taken(conn: sqlite3.Connection, name: str, exclude: int | None) -> None:
    row = conn.execute("SELECT id FROM customer_groups WHERE name = ?", [name]).fetchone()
    if row is not None and row["id"] != exclude:
        raise Conflict(
            f"a group named {name!r} exists",
            errors=[{"field": "name", "message": "already in use"}],
        )


def list_groups(conn: sqlite3.Connection) -> dict[str, Any]:
    rows = conn.execute("SELECT * FROM customer_groups ORDER BY sort_order, name, id").fetchall()
    items = [group_out(x) for x in rows]
    return {"items": items, "total": len(items), "next": None}


def get_group(conn: sqlite3.Connection, group_id: int) -> dict[str, Any]:
    return group_out(_get(conn, group_id))  # type: ignore[return-value]


def create_group(conn: sqlite3.Connection, values: dict[str, Any], now: str) -> dict[str, Any]:
    _name_taken(conn, values["name"], None)
    cur = conn.execute(
        "INSERT INTO customer_groups (name, default_discount_percent, color, sort_order,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        [
            values["name"],
            values.get("default_discount_percent"),
            values.get("color"),
            values.get("sort_order", 0),
            now,
            now,
        ],
    )
    return get_group(conn, int(cur.lastrowid or 0))


def update_group(
    conn: sqlite3.Connection, group_id: int, values: dict[str, Any], now: str
) -> dict[str, Any]:
    _get(conn, group_id)
    if "name" in values:
        _name_taken(conn, values["name"], group_id)
    if values:
        cols = list(values)
        conn.execute(
            f"UPDATE customer_groups SET {', '.join(f'{c} = ?' for c in cols)}, updated_at = ?"
            " WHERE id = ?",
            [*(values[c] for c in cols), now, group_id],
        )
    return get_group(conn, group_id)


def delete_group(conn: sqlite3.Connection, group_id: int) -> None:
    """Refused while customers belong to the group: moving them is a deliberate act."""
    _get(conn, group_id)
    members = conn.execute(
        "SELECT count(*) FROM customers WHERE group_id = ?", [group_id]
    ).fetchone()[0]
    if members:
        raise Conflict(
            f"{members} customer(s) are in this group; move them to another group first",
            members=members,
        )
    conn.execute("DELETE FROM customer_groups WHERE id = ?", [group_id])
