"""The customer as a money operation sees it: status, lock, discount,
points and reverse charge, read with only the columns that need
(``MoneyCustomer``), and the refusal of blocked or inactive customers.
Imports ``edge.errors``, ``edge.platform`` and the customer lookups.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from edge.customers import records as r
from edge.customers.lookup import customer_row, group_row
from edge.errors import CustomerBlocked, CustomerInactive
from edge.platform.config import Config


@dataclass(frozen=True)
class MoneyCustomer:
    """What a money operation needs to know about its customer."""

    id: int
    customer_number: int
    display_name: str
    status: str
    blocked: bool
    lock_text: str | None
    group_id: int | None
    effective_discount_percent: int
    points_blocked: bool
    reverse_charge: bool
    merged_into: int | None

    def require_transactable(self) -> None:
        """Refuse money operations for blocked or inactive customers (SPEC §6)."""
        if self.blocked:
            raise CustomerBlocked(
                self.lock_text or "this customer is blocked",
                lock_text=self.lock_text or "",
            )
        if self.status != "active":
            detail = "this customer is deactivated"
            if self.merged_into is not None:
                detail += f"; it was merged into customer {self.merged_into}"
            raise CustomerInactive(detail)


# What a money operation reads, not the ~60 columns of SELECT *: it runs inside
# the commit lock, where every microsecond is paid by the whole batch.
_MONEY_COLUMNS = (
    "customer_number, display_name, status, blocked, lock_text, group_id, points_blocked,"
    " merged_into, discount_percent, net_mode, vat_id, type"
)


def load_for_money(conn: sqlite3.Connection, customer_id: int, config: Config) -> MoneyCustomer:
    """Load the customer a money operation is about (404 when unknown)."""
    row = customer_row(conn, customer_id, _MONEY_COLUMNS)
    group = group_row(conn, row["group_id"])
    return MoneyCustomer(
        id=customer_id,
        customer_number=row["customer_number"],
        display_name=row["display_name"],
        status=row["status"],
        blocked=bool(row["blocked"]),
        lock_text=row["lock_text"],
        group_id=row["group_id"],
        effective_discount_percent=r.effective_discount(
            row, group["default_discount_percent"] if group else None
        ),
        points_blocked=bool(row["points_blocked"]),
        reverse_charge=r.reverse_charge(row, config.box.country),
        merged_into=row["merged_into"],
    )
