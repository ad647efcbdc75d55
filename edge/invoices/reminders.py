"""Dunning reminders as documents (BACKOFFICE §9): each notice the dunning
run wrote, listed per invoice and rendered as a PDF letter on first need,
then kept with the notice (a reminder sent is a business letter the shop
keeps; rendering it again later could come out different).

The amounts are the notice's own, written by the run; the parties come from
the invoice's frozen document, so the letter names who the invoice named.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from edge import mail
from edge.errors import NotFound
from edge.invoices import book, mailing
from edge.invoices.dunning import BUSINESS_FLAT_FEE
from edge.platform.config import Config
from edge.platform.db import Database

_COLUMNS = (
    "level, run_date, principal, fees, interest, fee_charged, interest_charged, deadline,"
    " created_at, created_by, pdf IS NOT NULL AS pdf"
)


def notices_of(conn: sqlite3.Connection, invoice_id: int) -> list[dict[str, Any]]:
    """The reminders an invoice got, level 1 first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM dunning_notices WHERE invoice_id = ? ORDER BY level",
        [invoice_id],
    ).fetchall()
    return [{**dict(r), "pdf": bool(r["pdf"])} for r in rows]


def reminder_pdf(db: Database, config: Config, invoice_id: int, level: int) -> bytes:
    """The reminder letter of ``level`` for the invoice, made once and kept."""
    conn = db.reader()
    notice = conn.execute(
        "SELECT n.*, c.type AS customer_type FROM dunning_notices n"
        " JOIN invoices i ON i.id = n.invoice_id JOIN customers c ON c.id = i.customer_id"
        " WHERE n.invoice_id = ? AND n.level = ?",
        [invoice_id, level],
    ).fetchone()
    if notice is None:
        raise NotFound(f"invoice {invoice_id} has no level-{level} reminder")
    if notice["pdf"] is not None:
        return bytes(notice["pdf"])
    invoice = book.invoice_row(conn, invoice_id)
    pdf = _render(config, invoice, notice)
    db.write(
        lambda c: c.execute(
            "UPDATE dunning_notices SET pdf = ? WHERE id = ? AND pdf IS NULL", [pdf, notice["id"]]
        )
    )
    return pdf


def _render(config: Config, invoice: sqlite3.Row, notice: sqlite3.Row) -> bytes:
    from edge.invoices import einvoice

    doc = book.document_of(invoice)
    # The run charged the §288(5) BGB flat fee with the level-1 fee; the
    # letter shows it on its own line, as the law names it.
    flat = (
        BUSINESS_FLAT_FEE
        if notice["level"] == 1
        and config.dunning.business_flat_fee
        and notice["customer_type"] == "business"
        and notice["fees"] >= BUSINESS_FLAT_FEE
        else 0
    )
    reminder = einvoice.Reminder(
        level=notice["level"],
        issue_date=date.fromisoformat(notice["run_date"]),
        deadline=date.fromisoformat(notice["deadline"]),
        seller=doc.seller,
        buyer=doc.buyer,
        invoice_number=doc.number,
        invoice_date=doc.issue_date,
        invoice_due_date=doc.due_date,
        currency=doc.currency,
        principal=notice["principal"],
        fees=notice["fees"] - flat,
        interest=notice["interest"],
        flat_fee=flat,
        interest_bp_per_year=config.dunning.interest_bp_per_year,
        language=doc.language,
    )
    return einvoice.render_reminder(reminder)


def queue_reminders(db: Database, config: Config) -> int:
    """Queue the mail of every reminder not yet queued whose customer gets
    invoices by e-mail; how many were queued."""
    if not mail.mail_configured(config):
        return 0
    todo = (
        db.reader()
        .execute(
            "SELECT n.invoice_id, n.level FROM dunning_notices n"
            " JOIN invoices i ON i.id = n.invoice_id JOIN customers c ON c.id = i.customer_id"
            " WHERE c.email_invoices = 1 AND NOT EXISTS (SELECT 1 FROM mail_outbox m"
            "   WHERE m.idempotency = 'reminder:' || n.invoice_id || ':' || n.level)"
            " ORDER BY n.id"
        )
        .fetchall()
    )
    queued = 0
    for invoice_id, level in todo:
        doc = book.document_of(book.invoice_row(db.reader(), invoice_id))
        if not doc.buyer.email:
            continue
        pdf = reminder_pdf(db, config, invoice_id, level)  # outside the writer
        db.write(
            lambda c, i=invoice_id, lv=level, d=doc, p=pdf: mailing.queue_reminder(c, i, lv, d, p)
        )
        queued += 1
    return queued
