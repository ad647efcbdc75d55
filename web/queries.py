"""Read-only queries the panel pages need (same SQL shapes as the API's
history views), kept apart from the views so each page module stays small."""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.customers import search as s
from edge.money.journal import type_name


def groups(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT g.*, (SELECT count(*) FROM customers c WHERE c.group_id = g.id) AS members"
        " FROM customer_groups g ORDER BY sort_order, name, id"
    ).fetchall()
    return [dict(r) for r in rows]


def search_page(
    conn: sqlite3.Connection,
    q: str,
    *,
    status: str | None,
    type_: str | None,
    group_id: int | None,
    region: str,
    cursor: str | None,
    limit: int = 50,
) -> dict[str, Any]:
    page = s.search(
        conn,
        q,
        filters=s.Filters(status=status, type=type_, group_id=group_id),
        region=region,
        limit=limit,
        cursor=cursor,
    )
    ids = [int(x["id"]) for x in page["items"]]
    if ids:
        marks = ",".join("?" * len(ids))
        bal = {
            r["customer_id"]: (r["cash"], r["bonus"], r["points"])
            for r in conn.execute(
                f"SELECT customer_id, cash, bonus, points FROM balances"
                f" WHERE customer_id IN ({marks})",
                ids,
            )
        }
    else:
        bal = {}
    for item in page["items"]:
        cash, bonus, points = bal.get(int(item["id"]), (0, 0, 0))
        item.update(cash=cash, bonus=bonus, points=points)
    return page


def journal(
    conn: sqlite3.Connection, customer_id: int, accounts: tuple[str, ...], limit: int = 100
) -> list[dict[str, Any]]:
    marks = ",".join("?" * len(accounts))
    rows = conn.execute(
        "SELECT seq, type, account, amount, cash_after, bonus_after, points_after, receipt_no,"
        f" actor, reason, created_at FROM journal WHERE customer_id = ? AND account IN ({marks})"
        " ORDER BY seq DESC LIMIT ?",
        [customer_id, *accounts, limit],
    ).fetchall()
    return [{**dict(r), "type_name": type_name(r["account"], r["type"])} for r in rows]


def purchases(conn: sqlite3.Connection, customer_id: int, limit: int = 100) -> dict[str, Any]:
    rows = conn.execute(
        "SELECT id, receipt_no, total, points_earned, created_at FROM purchases"
        " WHERE customer_id = ? ORDER BY id DESC LIMIT ?",
        [customer_id, limit],
    ).fetchall()
    total, count, last = conn.execute(
        "SELECT coalesce(sum(total), 0), count(*), max(created_at) FROM purchases"
        " WHERE customer_id = ?",
        [customer_id],
    ).fetchone()
    # Average rounded half up to the cent, in integers (as the API does).
    average = (2 * total + count) // (2 * count) if count else 0
    return {
        "items": [dict(r) for r in rows],
        "total": total,
        "count": count,
        "average": average,
        "last": last,
    }


def id_by_number(conn: sqlite3.Connection, number: str) -> int | None:
    text = number.strip()
    if not text.isdigit() or len(text) > 13:
        return None
    row = conn.execute("SELECT id FROM customers WHERE customer_number = ?", [int(text)]).fetchone()
    return None if row is None else int(row["id"])
