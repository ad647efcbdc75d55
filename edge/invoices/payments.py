"""Payments against one invoice (BACKOFFICE §8): cash, transfer, card, sepa,
or credit from the customer's stored value (bonus first, SPEC §3, through
the journal in the same transaction). By §367 BGB a payment settles the
dunning fees first, then the interest, then the principal; a payment larger
than what is owed is refused whole; the invoice is ``paid`` only when all
three are 0. Imports ``edge.money``, ``edge.platform`` and the invoices package.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Literal

from edge.errors import Conflict
from edge.invoices.book import OWING, invoice_row, log_invoice
from edge.invoices.errors import PaymentExceedsOwed
from edge.money.booking import balances_to_book
from edge.money.service import pay
from edge.platform.actor import Actor
from edge.platform.config import Config

Method = Literal["cash", "transfer", "card", "sepa", "credit"]


def allocate(amount: int, fees: int, interest: int, principal: int) -> tuple[int, int, int]:
    """§367 BGB: ``amount`` to fees, then interest, then principal (what each
    still owes); more than all three together raises ``PaymentExceedsOwed``."""
    owed = fees + interest + principal
    if amount > owed:
        raise PaymentExceedsOwed(
            f"a payment of {amount} is more than the {owed} owed",
            amount=amount,
            owed=owed,
            fees=fees,
            interest=interest,
            principal=principal,
        )
    to_fees = min(amount, fees)
    to_interest = min(amount - to_fees, interest)
    return to_fees, to_interest, amount - to_fees - to_interest


def owed_parts(row: sqlite3.Row) -> tuple[int, int, int]:
    """What the invoice still owes: fees, interest, principal."""
    return (
        row["fees"] - row["fees_paid"],
        row["interest"] - row["interest_paid"],
        row["principal"] - row["principal_paid"],
    )


def record_payment(
    conn: sqlite3.Connection,
    config: Config,
    actor: Actor,
    invoice_id: int,
    method: Method,
    amount: int,
    reference: str | None = None,
) -> int:
    """Book ``amount`` against the invoice; the payment's id."""
    row = invoice_row(conn, invoice_id)
    if row["kind"] != "invoice" or row["state"] not in OWING:
        raise Conflict(
            f"invoice {row['number'] or row['id']} is {row['state']}: nothing to pay",
            state=row["state"],
        )
    to_fees, to_interest, to_principal = allocate(amount, *owed_parts(row))
    operation_id = None
    if method == "credit":
        bal = balances_to_book(conn, config, row["customer_id"])
        operation_id, _, _ = pay(
            conn, actor, row["customer_id"], bal, amount, allow_partial=False,
            receipt_no=row["number"],
        )  # fmt: skip
    cur = conn.execute(
        "INSERT INTO invoice_payments (invoice_id, method, amount, to_fees, to_interest,"
        " to_principal, operation_id, reference, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [invoice_id, method, amount, to_fees, to_interest, to_principal, operation_id,
         reference, actor.at, actor.name],
    )  # fmt: skip
    conn.execute(
        "UPDATE invoices SET fees_paid = fees_paid + ?, interest_paid = interest_paid + ?,"
        " principal_paid = principal_paid + ?, updated_at = ?, updated_by = ? WHERE id = ?",
        [to_fees, to_interest, to_principal, actor.at, actor.name, invoice_id],
    )
    after = invoice_row(conn, invoice_id)
    state = "paid" if sum(owed_parts(after)) == 0 else "partly_paid"
    conn.execute("UPDATE invoices SET state = ? WHERE id = ?", [state, invoice_id])
    log_invoice(
        conn, actor, row["customer_id"], "payment", invoice_id=str(invoice_id),
        number=row["number"], method=method, amount=amount, state=state,
    )  # fmt: skip
    return int(cur.lastrowid or 0)


def reverse_payment(conn: sqlite3.Connection, actor: Actor, payment_id: int, reason: str) -> None:
    """Undo a booked payment (a returned direct debit): the row stays, marked
    reversed, and what it settled is owed again. A credit payment is not
    reversed here — its stored value went through the journal."""
    pay_row = conn.execute("SELECT * FROM invoice_payments WHERE id = ?", [payment_id]).fetchone()
    if pay_row is None or pay_row["reversed_at"] is not None or pay_row["method"] == "credit":
        raise Conflict(f"payment {payment_id} cannot be reversed", payment_id=payment_id)
    invoice_id = pay_row["invoice_id"]
    row = invoice_row(conn, invoice_id)
    conn.execute(
        "UPDATE invoice_payments SET reversed_at = ?, reversed_reason = ? WHERE id = ?",
        [actor.at, reason, payment_id],
    )
    conn.execute(
        "UPDATE invoices SET fees_paid = fees_paid - ?, interest_paid = interest_paid - ?,"
        " principal_paid = principal_paid - ?, state = ?, updated_at = ?, updated_by = ?"
        " WHERE id = ?",
        [pay_row["to_fees"], pay_row["to_interest"], pay_row["to_principal"],
         "partly_paid" if row["principal_paid"] + row["fees_paid"] + row["interest_paid"]
         > pay_row["amount"] else "open", actor.at, actor.name, invoice_id],
    )  # fmt: skip
    log_invoice(
        conn, actor, row["customer_id"], "payment_reversed", invoice_id=str(invoice_id),
        number=row["number"], payment_id=str(payment_id), amount=pay_row["amount"], reason=reason,
    )  # fmt: skip


_AS_STORED = ("method", "amount", "to_fees", "to_interest", "to_principal", "reference",
              "created_at", "created_by", "reversed_at", "reversed_reason")  # fmt: skip


def payment_out(row: sqlite3.Row | dict[str, Any]) -> dict[str, Any]:
    op = row["operation_id"]
    return {
        "id": str(row["id"]),
        "invoice_id": str(row["invoice_id"]),
        **{name: row[name] for name in _AS_STORED},
        "operation_id": None if op is None else str(op),
    }


def payments_of(conn: sqlite3.Connection, invoice_id: int) -> list[dict[str, Any]]:
    invoice_row(conn, invoice_id)
    rows = conn.execute(
        "SELECT * FROM invoice_payments WHERE invoice_id = ? ORDER BY id", [invoice_id]
    ).fetchall()
    return [payment_out(r) for r in rows]
