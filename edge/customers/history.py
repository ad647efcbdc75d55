"""The change log of a customer's master data: who changed which field,
when, from what to what (newest first when read). Imports
``edge.customers.lookup``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from edge.customers.lookup import customer_row


def _history_value(field: str, value: Any) -> str | None:
    if value is None:
        return None
    if field == "third_party_memo":
        # Up to 1 MB per version: history keeps a fingerprint, not copies.
        text = str(value)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        return json.dumps({"length": len(text), "sha256": digest})
    return json.dumps(value, ensure_ascii=False, default=str)


def log_change(
    conn: sqlite3.Connection,
    customer_id: int,
    actor: str,
    at: str,
    field: str,
    old: Any,
    new: Any,
) -> None:
    conn.execute(
        "INSERT INTO customer_history (customer_id, at, actor, field, old, new)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [customer_id, at, actor, field, _history_value(field, old), _history_value(field, new)],
    )


def history(
    conn: sqlite3.Connection, customer_id: int, *, limit: int, after: int | None, offset: int
) -> dict[str, Any]:
    """Newest first; ``after`` is the last id of the previous page."""
    customer_row(conn, customer_id)
    where, args = "customer_id = ?", [customer_id]
    if after is not None:
        where += " AND id < ?"
        args.append(after)
    rows = conn.execute(
        f"SELECT * FROM customer_history WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*args, limit + 1, offset if after is None else 0],
    ).fetchall()
    total = conn.execute(
        "SELECT count(*) FROM customer_history WHERE customer_id = ?", [customer_id]
    ).fetchone()[0]
    items = [
        {
            "id": str(x["id"]),
            "at": x["at"],
            "actor": x["actor"],
            "field": x["field"],
            "old": None if x["old"] is None else json.loads(x["old"]),
            "new": None if x["new"] is None else json.loads(x["new"]),
        }
        for x in rows[:limit]
    ]
    nxt = str(rows[limit - 1]["id"]) if len(rows) > limit else None
    return {"items": items, "total": total, "next": nxt}
