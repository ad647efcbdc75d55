"""A manager waives dunning fees or interest (BACKOFFICE §9): only with a
reason, never more than is still open, and into the customer's history.
Fees and interest are otherwise owed until paid. Imports ``edge.errors``,
``edge.platform`` and the invoices package."""

from __future__ import annotations

import sqlite3

from edge.errors import Conflict, FieldErrors
from edge.invoices.book import OWING, invoice_row, log_invoice
from edge.invoices.payments import owed_parts
from edge.platform.actor import Actor


def waive(
    conn: sqlite3.Connection, actor: Actor, invoice_id: int, fees: int, interest: int, reason: str
) -> None:
    """Take ``fees`` and ``interest`` off what the invoice owes."""
    row = invoice_row(conn, invoice_id)
    if row["kind"] != "invoice" or row["state"] not in OWING:
        raise Conflict(
            f"invoice {row['number'] or row['id']} is {row['state']}", state=row["state"]
        )
    open_fees, open_interest, principal = owed_parts(row)
    problems = [
        {"field": name, "message": f"at most {most} is open"}
        for name, asked, most in (("fees", fees, open_fees), ("interest", interest, open_interest))
        if asked > most
    ]
    if problems:
        raise FieldErrors(problems)
    if fees == interest == 0:
        raise FieldErrors.one("fees", "waive some fees or interest")
    conn.execute(
        "UPDATE invoices SET fees = fees - ?, interest = interest - ?, updated_at = ?,"
        " updated_by = ? WHERE id = ?",
        [fees, interest, actor.at, actor.name, invoice_id],
    )
    owed = open_fees - fees + open_interest - interest + principal
    if owed == 0:
        conn.execute("UPDATE invoices SET state = 'paid' WHERE id = ?", [invoice_id])
    log_invoice(
        conn, actor, row["customer_id"], "waived", invoice_id=str(invoice_id),
        number=row["number"], fees=fees, interest=interest, reason=reason,
    )  # fmt: skip
