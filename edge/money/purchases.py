"""Purchase history net of refunds (SPEC §5: statistics count refunds against
the purchase they refund), shared by the API and the staff panel.

A checkout's credit payment is an operation whose ``ref_id`` is the checkout;
its refunds point at the payment. What was refunded of a purchase is the sum
of those refunds. The rules the box applies:

* ``total`` — the sum of what the purchases still come to (total − refunded);
* ``count`` — purchases not fully refunded (a sale given back whole was,
  for the statistics, no sale; a sale of 0 still counts);
* ``average`` — ``total / count``, half up to the cent, 0 without purchases;
* ``last_purchase_at`` — the last sale, refunded or not (the customer was
  there).

Imports nothing of the project: it is SQL over ``purchases`` and ``operations``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

_REFUNDED = (
    "coalesce((SELECT sum(r.amount) FROM operations pay"
    " JOIN operations r ON r.ref_id = pay.id AND r.kind = 'refund'"
    " WHERE pay.kind = 'payment' AND pay.ref_id = p.operation_id), 0)"
)

# A table expression: every purchase with ``refunded`` (minor units) beside it.
NET_PURCHASES = f"(SELECT p.*, {_REFUNDED} AS refunded FROM purchases p)"

FULLY_REFUNDED = "(refunded > 0 AND refunded >= total)"

# Over the rows of NET_PURCHASES: net total, count, last purchase.
STATS = (
    f"coalesce(sum(total - refunded), 0), coalesce(sum(NOT {FULLY_REFUNDED}), 0), max(created_at)"
)


def average(total: int, count: int) -> int:
    """Rounded half up to the cent, in integers."""
    return (2 * total + count) // (2 * count) if count else 0


def stats(conn: sqlite3.Connection, customer_id: int) -> tuple[int, int, str | None]:
    """Net total, count and last purchase of one customer."""
    row = conn.execute(f"SELECT {STATS} FROM {NET_PURCHASES} WHERE customer_id = ?", [customer_id])
    total, count, last = row.fetchone()
    return int(total), int(count), last


def refund_marks(row: sqlite3.Row | dict[str, Any]) -> dict[str, Any]:
    """What a purchase row of NET_PURCHASES says about its refunds."""
    refunded = int(row["refunded"])
    return {
        "refunded": refunded,
        "net_total": int(row["total"]) - refunded,
        "fully_refunded": refunded > 0 and refunded >= int(row["total"]),
    }
