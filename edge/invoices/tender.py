"""The ``invoice`` tender at the till (BACKOFFICE §8): who may pay by
invoice, and the credit limit, checked in the checkout's one transaction
(the single writer runs one at a time, so two terminals can never pass the
limit together). Imports ``edge.customers`` and the invoices package."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from edge.customers.lookup import customer_row
from edge.invoices.account import credit_available, open_amount
from edge.invoices.errors import CreditLimitExceeded, InvoicePaymentNotAllowed


@dataclass(frozen=True)
class HouseAccount:
    allowed: bool
    credit_limit: int | None
    open: int
    available: int | None  # None: no limit

    def numbers(self) -> dict[str, Any]:
        return {"credit_limit": self.credit_limit, "open": self.open, "available": self.available}


def house_account(conn: sqlite3.Connection, customer_id: int) -> HouseAccount:
    row = customer_row(conn, customer_id, "allow_invoice_payment, credit_limit")
    owed = open_amount(conn, customer_id)
    limit = row["credit_limit"]
    return HouseAccount(
        bool(row["allow_invoice_payment"]), limit, owed, credit_available(limit, owed)
    )


def require_invoice_payment(account: HouseAccount, amount: int) -> None:
    """Refuse an invoice tender the customer may not use, or one that would
    pass their credit limit (open principal + the new invoice)."""
    if not account.allowed:
        raise InvoicePaymentNotAllowed("this customer may not pay by invoice")
    if account.available is not None and amount > account.available:
        raise CreditLimitExceeded(
            f"an invoice of {amount} passes the credit limit {account.credit_limit}:"
            f" {account.open} open, {account.available} available",
            **account.numbers(),
        )
