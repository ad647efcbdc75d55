"""Invoices as the API and the panel show them: one invoice with its lines
and derived ``overdue``, and filtered lists with their open totals.
``overdue`` is never stored (BACKOFFICE §8): something still owed and today,
in the box's time zone, after the due date. Imports ``edge.platform`` and
the invoices package.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from edge import mail
from edge.invoices.book import OWING, box_date, invoice_row, line_rows
from edge.platform.clock import now_iso
from edge.platform.config import Config

# What an invoice still owes, as SQL over its row.
OWED_SQL = "(principal - principal_paid + fees - fees_paid + interest - interest_paid)"


def today(config: Config) -> date:
    return box_date(config, now_iso())


def is_overdue(row: sqlite3.Row | dict[str, Any], on: date) -> bool:
    owed = (
        row["principal"] - row["principal_paid"]
        + row["fees"] - row["fees_paid"]
        + row["interest"] - row["interest_paid"]
    )  # fmt: skip
    return (
        row["state"] in OWING
        and owed > 0
        and row["due_date"] is not None
        and on > date.fromisoformat(row["due_date"])
    )


def _number_of(conn: sqlite3.Connection, invoice_id: int | None) -> str | None:
    if invoice_id is None:
        return None
    row = conn.execute("SELECT number FROM invoices WHERE id = ?", [invoice_id]).fetchone()
    return None if row is None else row[0]


def summary(row: sqlite3.Row, on: date, currency: str) -> dict[str, Any]:
    owing = row["kind"] == "invoice" and row["state"] in OWING
    open_principal = row["principal"] - row["principal_paid"] if owing else 0
    owed = open_principal + row["fees"] - row["fees_paid"] + row["interest"] - row["interest_paid"]
    return {
        "id": str(row["id"]),
        "number": row["number"],
        "kind": row["kind"],
        "state": row["state"],
        "overdue": is_overdue(row, on),
        "customer_id": str(row["customer_id"]),
        "issue_date": row["issue_date"],
        "due_date": row["due_date"],
        "gross": row["gross"],
        "open": open_principal,
        "owed": owed if owing else 0,
        "dunning_level": row["dunning_level"],
        "currency": currency,
    }


def _mail_state(m: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "to", "subject", "state", "attempts", "last_error", "created_at", "sent_at")
    return {k: m[k] for k in keys}


def invoice_out(conn: sqlite3.Connection, config: Config, invoice_id: int) -> dict[str, Any]:
    row = invoice_row(conn, invoice_id)
    note = conn.execute(
        "SELECT id FROM invoices WHERE preceding_invoice_id = ? AND kind = 'credit_note'",
        [invoice_id],
    ).fetchone()
    out = summary(row, today(config), config.box.currency)
    out.update(
        delivery_date=row["delivery_date"],
        net_mode=bool(row["net_mode"]),
        net=row["net"],
        vat=row["vat"],
        prepaid=row["prepaid"],
        principal=row["principal"],
        principal_paid=row["principal_paid"],
        fees=row["fees"],
        fees_paid=row["fees_paid"],
        interest=row["interest"],
        interest_paid=row["interest_paid"],
        preceding_invoice_id=(
            None if row["preceding_invoice_id"] is None else str(row["preceding_invoice_id"])
        ),
        preceding_number=_number_of(conn, row["preceding_invoice_id"]),
        credit_note_id=None if note is None else str(note[0]),
        checkout_id=None if row["operation_id"] is None else str(row["operation_id"]),
        notes=row["notes"],
        lines=[
            {
                "position": x["position"],
                "sku": x["sku"],
                "name": x["name"],
                "quantity": x["quantity"],
                "unit_price": x["unit_price"],
                "vat_rate_bp": x["vat_rate_bp"],
                "discountable": bool(x["discountable"]),
                "gross": x["gross"],
                "discount_percent": x["discount_percent"],
                "discount": x["discount"],
                "total": x["total"],
            }
            for x in line_rows(conn, invoice_id)
        ],
        pdf=row["xml"] is not None,  # the PDF is made from the XML on first need
        xml=row["xml"] is not None,
        mail=[_mail_state(m) for m in mail.state_of(conn, "invoice", str(invoice_id))],
        created_at=row["created_at"],
        created_by=row["created_by"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )
    return out


def list_invoices(
    conn: sqlite3.Connection,
    config: Config,
    *,
    state: str | None = None,
    overdue: bool | None = None,
    customer_id: int | None = None,
    limit: int = 50,
    after: int | None = None,
) -> dict[str, Any]:
    """Newest first; ``totals`` are over every invoice the filters match."""
    on = today(config).isoformat()
    where: list[str] = ["1 = 1"]
    args: list[object] = []
    if state is not None:
        where.append("state = ?")
        args.append(state)
    if customer_id is not None:
        where.append("customer_id = ?")
        args.append(customer_id)
    overdue_sql = f"state IN ('open', 'partly_paid') AND {OWED_SQL} > 0 AND due_date < ?"
    if overdue is not None:
        where.append(f"({overdue_sql})" if overdue else f"NOT ({overdue_sql})")
        args.append(on)
    cond = " AND ".join(where)
    page_cond = cond + (" AND id < ?" if after is not None else "")
    page_args = [*args, *([after] if after is not None else [])]
    rows = conn.execute(
        f"SELECT * FROM invoices WHERE {page_cond} ORDER BY id DESC LIMIT ?",
        [*page_args, limit + 1],
    ).fetchall()
    owing = "kind = 'invoice' AND state IN ('open', 'partly_paid')"
    count, open_principal, owed, overdue_owed = conn.execute(
        f"SELECT count(*),"
        f" coalesce(sum(CASE WHEN {owing} THEN principal - principal_paid END), 0),"
        f" coalesce(sum(CASE WHEN {owing} THEN {OWED_SQL} END), 0),"
        f" coalesce(sum(CASE WHEN {owing} AND {OWED_SQL} > 0 AND due_date < ?"
        f" THEN {OWED_SQL} END), 0)"
        f" FROM invoices WHERE {cond}",
        [on, *args],
    ).fetchone()
    on_date = date.fromisoformat(on)
    return {
        "items": [summary(r, on_date, config.box.currency) for r in rows[:limit]],
        "total": count,
        "next": str(rows[limit - 1]["id"]) if len(rows) > limit else None,
        "totals": {"open": open_principal, "owed": owed, "overdue": overdue_owed},
        "currency": config.box.currency,
    }
