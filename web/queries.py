"""Read-only queries the panel pages need (same SQL shapes as the API's
history views), kept apart from the views so each page module stays small."""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.customers import search as s
from edge.money import purchases as net
from edge.money.entry_kinds import kind
from edge.platform.bounds import parse_row_id


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


# Bonus entries keep their own word on the credit tab ("Bonus-Zahlung").
_BONUS_WORDED = frozenset({"payment", "refund", "void"})
# Reasons the box itself writes (edge/money/reversals.py), shown in the page's language.
SYSTEM_REASONS = {"points taken back for a refund": "reason_points_refund"}


def entry_label(account: str, code: int, amount: int) -> str:
    """The message id of an entry's word in the panel: ``tx_`` + its kind."""
    k = kind(account, code, amount)
    return f"tx_bonus_{k}" if account == "bonus" and k in _BONUS_WORDED else f"tx_{k}"


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
    return [
        {
            **dict(r),
            "label": entry_label(r["account"], r["type"], r["amount"]),
            "reason_id": SYSTEM_REASONS.get(r["reason"] or ""),
        }
        for r in rows
    ]


def purchases(conn: sqlite3.Connection, customer_id: int, limit: int = 100) -> dict[str, Any]:
    """The newest purchases and the statistics, net of refunds (edge.money.purchases)."""
    rows = conn.execute(
        f"SELECT id, receipt_no, total, points_earned, created_at, refunded, delivery_address"
        f" FROM {net.NET_PURCHASES} WHERE customer_id = ? ORDER BY id DESC LIMIT ?",
        [customer_id, limit],
    ).fetchall()
    total, count, last = net.stats(conn, customer_id)
    return {
        "items": [{**dict(r), **net.refund_marks(r)} for r in rows],
        "total": total,
        "count": count,
        "average": net.average(total, count),
        "last": last,
    }


def id_by_number(conn: sqlite3.Connection, number: str) -> int | None:
    value = parse_row_id(number)
    if value is None:
        return None
    row = conn.execute("SELECT id FROM customers WHERE customer_number = ?", [value]).fetchone()
    return None if row is None else int(row["id"])
