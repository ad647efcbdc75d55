"""Invoices and reminders by e-mail (BACKOFFICE §8 "E-mail"): with the
customer's ``email_invoices`` switch, an issued invoice (or credit note) is
queued to ``invoice_email``, else ``email``, in the issuing transaction; a
reminder after the dunning run that wrote it. Sending is the outbox's
(edge.mail): once, retried, its state shown on the invoice.

Queuing an invoice mail needs its PDF, so that PDF is laid out inside the
issuing transaction — only for the invoices that are mailed. Reminders are
queued after the run, one small transaction each, because one run may
remind thousands and must not hold the writer for their letters; a
reminder whose mail was not queued (a crash after the run) is picked up by
the next call, the idempotency key keeping it to one mail.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from edge import mail
from edge.invoices.document import InvoiceDocument
from edge.invoices.render import pdf_of
from edge.platform.config import Config

_SUBJECT = {
    ("invoice", "de"): "Rechnung {number}",
    ("invoice", "en"): "Invoice {number}",
    ("credit_note", "de"): "Gutschrift {number}",
    ("credit_note", "en"): "Credit note {number}",
}
_TEXT = {
    "de": "Guten Tag,\n\nanbei {what} {number} vom {date} als PDF (mit E-Rechnung im Format"
    " ZUGFeRD/Factur-X).\n\nMit freundlichen Grüßen\n{shop}\n",
    "en": "Hello,\n\nplease find attached {what} {number} of {date} as PDF (with the e-invoice"
    " in ZUGFeRD/Factur-X format).\n\nKind regards\n{shop}\n",
}
_WHAT = {
    ("invoice", "de"): "unsere Rechnung",
    ("invoice", "en"): "our invoice",
    ("credit_note", "de"): "unsere Gutschrift",
    ("credit_note", "en"): "our credit note",
}


def wants_mail(config: Config, customer: sqlite3.Row, doc: InvoiceDocument) -> bool:
    return (
        bool(customer["email_invoices"]) and bool(doc.buyer.email) and mail.mail_configured(config)
    )


def queue_invoice(
    conn: sqlite3.Connection,
    config: Config,
    invoice_id: int,
    doc: InvoiceDocument,
    einvoice: InvoiceDocument,
    xml: bytes | None,
) -> bytes | None:
    """Queue the mail of an issued invoice in ``conn``'s transaction; the
    PDF it carries (to be stored with the invoice), or None when none is
    sent. ``einvoice`` is the document as the e-invoice states it."""
    if xml is None:
        return None
    pdf = pdf_of(einvoice, xml)
    if pdf is None:
        return None
    lang = doc.language
    date_text = doc.issue_date.strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d")
    mail.enqueue(
        conn,
        to=doc.buyer.email,
        subject=_SUBJECT[doc.kind, lang].format(number=doc.number),
        text=_TEXT[lang].format(
            what=_WHAT[doc.kind, lang], number=doc.number, date=date_text, shop=doc.seller.name
        ),
        attachments=[mail.Attachment(f"{doc.number}.pdf", "application/pdf", pdf)],
        ref_kind="invoice",
        ref_id=str(invoice_id),
        idempotency=f"invoice:{invoice_id}",
    )
    return pdf


def queue_reminder(
    conn: sqlite3.Connection, invoice_id: int, level: int, doc: InvoiceDocument, pdf: bytes
) -> Any:
    de = doc.language == "de"
    subject = (
        f"{level}. Mahnung zu Rechnung {doc.number}"
        if de
        else f"Reminder {level} for invoice {doc.number}"
    )
    text = (
        f"Guten Tag,\n\nzu unserer Rechnung {doc.number} haben wir noch keinen vollständigen"
        f" Zahlungseingang. Anbei unsere {level}. Mahnung.\n\nMit freundlichen Grüßen\n"
        f"{doc.seller.name}\n"
        if de
        else f"Hello,\n\nwe have not yet received full payment of our invoice {doc.number}."
        f" Please find attached reminder {level}.\n\nKind regards\n{doc.seller.name}\n"
    )
    return mail.enqueue(
        conn,
        to=doc.buyer.email,
        subject=subject,
        text=text,
        attachments=[mail.Attachment(f"{doc.number}-mahnung-{level}.pdf", "application/pdf", pdf)],
        ref_kind="invoice",
        ref_id=str(invoice_id),
        idempotency=f"reminder:{invoice_id}:{level}",
    )
