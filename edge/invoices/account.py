"""A customer's house account: what their issued invoices still owe and how
much of the credit limit is left (BACKOFFICE §8). Imports only the standard
library, so the customer record can show both."""

from __future__ import annotations

import sqlite3

#: The states in which an invoice still owes something.
OWING = ("open", "partly_paid")


def open_amount(conn: sqlite3.Connection, customer_id: int) -> int:
    """Unpaid principal of every issued invoice of the customer (fees and
    interest are owed too, but the credit limit is about goods on credit)."""
    (owed,) = conn.execute(
        "SELECT coalesce(sum(principal - principal_paid), 0) FROM invoices"
        " WHERE customer_id = ? AND kind = 'invoice' AND state IN ('open', 'partly_paid')",
        [customer_id],
    ).fetchone()
    return int(owed)


def credit_available(credit_limit: int | None, owed: int) -> int | None:
    """What may still go on invoice; ``None`` when the customer has no limit."""
    if credit_limit is None:
        return None
    return max(0, credit_limit - owed)
