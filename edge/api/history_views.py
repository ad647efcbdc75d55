"""Read-only money views: a customer's journal and purchase history."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, Field

from edge.api.bounds import query_id
from edge.api.context import current_box
from edge.api.registry import api
from edge.api.schemas import PurchasePage, TransactionPage
from edge.customers.service import load_for_money, parse_id
from edge.money import purchases as purchases_net
from edge.money.journal import entry_out
from edge.platform.bounds import MAX_ID

routes = api.section("money")


class PageQuery(BaseModel):
    limit: Annotated[int, Field(ge=1, le=500)] = 50
    cursor: (
        Annotated[str, Field(max_length=32, description="next from the previous page")] | None
    ) = None


def _cursor(raw: str | None) -> int:
    """The key below which the page starts: the newest row without a cursor."""
    after = query_id(raw, "query.cursor", "invalid cursor")
    return MAX_ID if after is None else after


@dataclass(frozen=True)
class _Page:
    rows: list[sqlite3.Row]
    next: str | None
    totals: sqlite3.Row  # over all the customer's rows, not just this page
    currency: str


@dataclass(frozen=True)
class _Listing:
    """A customer's rows of one table, paged newest first by its integer key."""

    table: str
    key: str  # the page order and the cursor
    columns: str
    totals: str

    def page(self, customer_id: str, query: PageQuery) -> _Page:
        """One page and the totals, read in one snapshot; an unknown customer is a 404."""
        box = current_box()
        cid = parse_id(customer_id)
        with box.db.snapshot() as conn:
            load_for_money(conn, cid, box.config)
            rows = conn.execute(
                f"SELECT {self.columns} FROM {self.table} WHERE customer_id = ?"
                f" AND {self.key} < ? ORDER BY {self.key} DESC LIMIT ?",
                [cid, _cursor(query.cursor), query.limit + 1],
            ).fetchall()
            sums = conn.execute(
                f"SELECT {self.totals} FROM {self.table} WHERE customer_id = ?", [cid]
            ).fetchone()
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        return _Page(rows, str(rows[-1][self.key]) if more else None, sums, box.config.box.currency)


JOURNAL = _Listing(
    "journal",
    "seq",
    "seq, operation_id, type, account, amount, cash_after, bonus_after, points_after,"
    " receipt_no, actor, reason, reverses, created_at",
    "count(*)",
)
PURCHASES = _Listing(
    purchases_net.NET_PURCHASES,
    "id",
    "id, operation_id, receipt_no, total, points_earned, created_at, refunded, delivery_address",
    f"{purchases_net.STATS}, count(*)",  # the listing's total counts refunded ones too
)


@routes.get(
    "/customers/<customer_id>/transactions",
    query=PageQuery,
    response=TransactionPage,
    errors=("not_found",),
)
def transactions(customer_id: str, query: PageQuery) -> dict[str, Any]:
    """Credit and points journal, newest first

    Every entry of the customer's cash, bonus and points accounts. A refund is
    a usage entry with a positive amount and `reverses` set (`kind` `refund`);
    points taken back for a refund are `kind` `points_clawback`. Pass `next` as
    `cursor` for the following page.
    """
    page = JOURNAL.page(customer_id, query)
    return {
        "items": [entry_out(r) for r in page.rows],
        "total": page.totals[0],
        "next": page.next,
        "currency": page.currency,
    }


@routes.get(
    "/customers/<customer_id>/purchases",
    query=PageQuery,
    response=PurchasePage,
    errors=("not_found",),
)
def purchases(customer_id: str, query: PageQuery) -> dict[str, Any]:
    """Purchases with stats (total, count, average, last purchase), net of refunds

    Checkouts of this customer, newest first. A purchase's `refunded` is the sum
    of the refunds of its credit payment; `stats` counts net totals and leaves
    out purchases given back whole (they are still listed).
    """
    page = PURCHASES.page(customer_id, query)
    total, count, last, listed = page.totals
    average = purchases_net.average(total, count)
    return {
        "items": [
            {
                "id": str(r["id"]),
                "checkout_id": str(r["operation_id"]),
                "receipt_no": r["receipt_no"],
                "total": r["total"],
                "points_earned": r["points_earned"],
                "created_at": r["created_at"],
                "delivery_address": r["delivery_address"],
                **purchases_net.refund_marks(r),
            }
            for r in page.rows
        ],
        "total": listed,
        "next": page.next,
        "stats": {"total": total, "count": count, "average": average, "last_purchase_at": last},
        "currency": page.currency,
    }
