"""The SMTP outbox: mails queued in the transaction of what they report, sent
once by a worker after commit (BACKOFFICE.md §8 "E-mail", docs/mail.md).

A domain package: imports ``edge.platform`` and ``edge.errors`` only, so
invoices (and anything else) can queue a mail inside their own transaction::

    def issue(conn):
        ...
        mail_id = mail.enqueue(conn, to=..., subject=..., text=...,
                               attachments=[mail.Attachment("RE-1.pdf", "application/pdf", pdf)],
                               ref_kind="invoice", ref_id=str(invoice_id),
                               idempotency=f"invoice:{invoice_id}")
    box.db.write(issue)
    mail.wake(box)

Check :func:`mail_configured` first (or use :func:`enqueue_if_configured`):
without ``[mail] host`` nothing is to be queued, and the panel says so.
"""

from edge.mail.outbox import (
    FAILED,
    QUEUED,
    RETRYING,
    SENDING,
    SENT,
    UNCERTAIN,
    Attachment,
    enqueue,
    enqueue_if_configured,
    get,
    in_states,
    mail_configured,
    outbox_summary,
    purge_sent_attachments,
    resend,
    state_of,
)
from edge.mail.worker import MailOutbox, attach, wake

__all__ = [
    "FAILED",
    "QUEUED",
    "RETRYING",
    "SENDING",
    "SENT",
    "UNCERTAIN",
    "Attachment",
    "MailOutbox",
    "attach",
    "enqueue",
    "enqueue_if_configured",
    "get",
    "in_states",
    "mail_configured",
    "outbox_summary",
    "purge_sent_attachments",
    "resend",
    "state_of",
    "wake",
]
