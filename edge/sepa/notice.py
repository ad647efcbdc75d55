"""The pre-notification of a direct debit (BACKOFFICE §10): an invoice that
will be collected says so — amount, collection date, mandate reference,
creditor identifier — and the invoice is the notice, so the pre-notification
period counts from its date. The PDF prints it (de/en) and the CII XML carries
it as payment means 59 with BT-89/BT-90/BT-91 (edge/invoices/einvoice).

The date is the earliest the next file could collect if made on the invoice
day; a file made later collects later (never earlier), which the rulebook
allows a notice to state as "on or after". Imports ``edge.platform``,
``edge.invoices.document`` and the package.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from edge.invoices.document import SepaNotice
from edge.platform.config import Config
from edge.sepa import calendar, mandates


def notice_for(
    conn: sqlite3.Connection, config: Config, customer_id: int, invoice_date: date
) -> SepaNotice | None:
    """The notice for an invoice of ``invoice_date``, or None when the
    customer has no mandate that could collect it (the invoice then is paid
    otherwise, and the SEPA preview names it)."""
    m = mandates.active_mandate(conn, customer_id)
    if m is None or mandates.status_on(m, invoice_date) != "active":
        return None
    return SepaNotice(
        creditor_id=config.sepa.creditor_id,
        mandate_reference=m["reference"],
        debtor_iban=m["iban"],
        collection_date=calendar.earliest_collection_date(
            invoice_date, invoice_date, config.sepa.prenotification_days
        ),
    )
