"""Read-only money views: a customer's journal and purchase history."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from edge.api.context import current_box
from edge.api.registry import api
from edge.customers.service import load_for_money, parse_id
from edge.money.journal import entry_out


class PageQuery(BaseModel):
    limit: Annotated[int, Field(ge=1, le=500)] = 50
    cursor: (
        Annotated[str, Field(max_length=32, description="next from the previous page")] | None
    ) = None


def _cursor(raw: str | None) -> int:
    if raw is None:
        return 2**62
    try:
        return int(raw)
    except ValueError:
        return 0


@api.route(
    "/customers/<customer_id>/transactions",
    scope="pos",
    summary="Credit and points journal, newest first",
    tags=("money",),
    query=PageQuery,
    errors=(404,),
)
def transactions(customer_id: str, query: PageQuery) -> dict[str, Any]:
    box = current_box()
    cid = parse_id(customer_id)
    with box.db.snapshot() as conn:
        load_for_money(conn, cid, box.config)
        rows = conn.execute(
            "SELECT seq, operation_id, type, account, amount, cash_after, bonus_after,"
            " points_after, receipt_no, actor, reason, reverses, created_at FROM journal"
            " WHERE customer_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
            [cid, _cursor(query.cursor), query.limit + 1],
        ).fetchall()
        total = conn.execute(
            "SELECT count(*) FROM journal WHERE customer_id = ?", [cid]
        ).fetchone()[0]
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    items = [entry_out(r) for r in rows]
    return {
        "items": items,
        "total": total,
        "next": str(rows[-1]["seq"]) if more else None,
        "currency": box.config.box.currency,
    }


@api.route(
    "/customers/<customer_id>/purchases",
    scope="pos",
    summary="Purchases with stats (total, count, average, last purchase)",
    tags=("money",),
    query=PageQuery,
    errors=(404,),
)
def purchases(customer_id: str, query: PageQuery) -> dict[str, Any]:
    box = current_box()
    cid = parse_id(customer_id)
    with box.db.snapshot() as conn:
        load_for_money(conn, cid, box.config)
        rows = conn.execute(
            "SELECT id, operation_id, receipt_no, total, points_earned, created_at FROM purchases"
            " WHERE customer_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
            [cid, _cursor(query.cursor), query.limit + 1],
        ).fetchall()
        total, count, last = conn.execute(
            "SELECT coalesce(sum(total), 0), count(*), max(created_at) FROM purchases"
            " WHERE customer_id = ?",
            [cid],
        ).fetchone()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    # Average rounded half up to the cent, in integers.
    average = (2 * total + count) // (2 * count) if count else 0
    return {
        "items": [
            {
                "id": str(r["id"]),
                "checkout_id": str(r["operation_id"]),
                "receipt_no": r["receipt_no"],
                "total": r["total"],
                "points_earned": r["points_earned"],
                "created_at": r["created_at"],
            }
            for r in rows
        ],
        "total": count,
        "next": str(rows[-1]["id"]) if more else None,
        "stats": {"total": total, "count": count, "average": average, "last_purchase_at": last},
        "currency": box.config.box.currency,
    }
