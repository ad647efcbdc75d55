"""The outbox rows: queue a mail in the caller's transaction, read its state.

Everything here takes the caller's connection: :func:`enqueue` runs inside
the transaction of what the mail reports (``db.write(fn)`` of an issued
invoice), so a committed invoice always has its mail queued and one rolled
back never mails. The worker (:mod:`edge.mail.worker`) sends after commit.
"""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import make_msgid
from typing import Any

from email_validator import EmailNotValidError, validate_email

from edge.errors import Conflict, NotFound
from edge.platform.clock import iso_at, now_iso
from edge.platform.config import Config
from edge.platform.text import TextRefused, clean_text

QUEUED, SENDING, SENT, RETRYING, FAILED, UNCERTAIN = (
    "queued",
    "sending",
    "sent",
    "retrying",
    "failed",
    "uncertain",
)
OPEN = (QUEUED, RETRYING)  # waiting for the worker
RESENDABLE = (UNCERTAIN, FAILED)  # only by a person's explicit resend

__all__ = [
    "Attachment",
    "enqueue",
    "enqueue_if_configured",
    "mail_configured",
    "outbox_summary",
    "resend",
    "state_of",
]


@dataclass(frozen=True)
class Attachment:
    name: str  # the file name the recipient sees, e.g. RE-2026-00001.pdf
    mime: str  # e.g. application/pdf
    data: bytes


def mail_configured(config: Config) -> bool:
    """Whether mail can be sent at all; without ``[mail] host`` nothing is queued."""
    return bool(config.mail.host)


def _checked(field: str, value: str, *, multiline: bool = False) -> str:
    try:
        text = clean_text(value, multiline=multiline)
    except TextRefused as e:
        raise ValueError(f"{field}: {e}") from e
    return text


def _recipient(to: str) -> str:
    try:
        checked = validate_email(to.strip(), check_deliverability=False)
    except EmailNotValidError as e:
        raise ValueError(f"to: {e}") from e
    # An internationalised domain as punycode: only a non-ASCII local part needs SMTPUTF8.
    return str(checked.ascii_email or checked.normalized)


def _attachment(a: Attachment) -> Attachment:
    name = _checked("attachments.name", a.name)
    if not name or "/" in name or "\\" in name:
        raise ValueError(f"attachments.name: {a.name!r} is not a file name")
    maintype, sep, subtype = a.mime.partition("/")
    if not (sep and maintype.isascii() and subtype.isascii() and " " not in a.mime):
        raise ValueError(f"attachments.mime: {a.mime!r} is not a MIME type")
    return Attachment(name, a.mime.lower(), bytes(a.data))


def _message_id() -> str:
    # The host name, not getfqdn(): no DNS lookup inside a money transaction.
    host = "".join(c for c in socket.gethostname() if c.isalnum() or c in "-.") or "tilledge"
    return make_msgid("tilledge", domain=host)


def enqueue(
    conn: sqlite3.Connection,
    *,
    to: str,
    subject: str,
    text: str,
    attachments: Sequence[Attachment] = (),
    ref_kind: str = "",
    ref_id: str = "",
    idempotency: str | None = None,
) -> int:
    """Queue one mail in the caller's transaction; returns its id.

    The same ``idempotency`` string returns the first mail's id and queues
    nothing (the row and its content stay the first's). A bad address, a
    subject with a line break or a bad attachment is a ``ValueError`` naming
    the field, before anything is written. Call :func:`edge.mail.wake` after
    the commit (or let the worker's poll find it).
    """
    if idempotency is not None:
        row = conn.execute(
            "SELECT id FROM mail_outbox WHERE idempotency = ?", [idempotency]
        ).fetchone()
        if row is not None:
            return int(row["id"])
    recipient = _recipient(to)
    subject = _checked("subject", subject)
    body = _checked("text", text, multiline=True)
    files = [_attachment(a) for a in attachments]
    now = now_iso()
    cur = conn.execute(
        "INSERT INTO mail_outbox (message_id, recipient, subject, body, ref_kind, ref_id,"
        " idempotency, created_at, queued_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            *(_message_id(), recipient, subject, body, ref_kind, ref_id, idempotency),
            *(now, time.time(), now),
        ],
    )
    mail_id = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO mail_attachments (mail_id, position, name, mime, content)"
        " VALUES (?, ?, ?, ?, ?)",
        [(mail_id, i, a.name, a.mime, a.data) for i, a in enumerate(files)],
    )
    return mail_id


def enqueue_if_configured(conn: sqlite3.Connection, config: Config, **mail: Any) -> int | None:
    """:func:`enqueue` when mail is configured, else None: nothing is queued."""
    return enqueue(conn, **mail) if mail_configured(config) else None


_COLUMNS = (
    "id, message_id, recipient, subject, state, attempts, last_error, ref_kind, ref_id,"
    " created_at, sent_at, next_attempt_at"
)


def _public(row: sqlite3.Row) -> dict[str, Any]:
    waiting = row["state"] in OPEN and row["next_attempt_at"] > 0
    return {
        "id": row["id"],
        "message_id": row["message_id"],
        "to": row["recipient"],
        "subject": row["subject"],
        "state": row["state"],
        "attempts": row["attempts"],
        "last_error": row["last_error"],
        "ref_kind": row["ref_kind"],
        "ref_id": row["ref_id"],
        "created_at": row["created_at"],
        "sent_at": row["sent_at"],
        "next_attempt_at": iso_at(row["next_attempt_at"]) if waiting else None,
    }


def state_of(conn: sqlite3.Connection, ref_kind: str, ref_id: str) -> list[dict[str, Any]]:
    """Every mail about one thing (an invoice), oldest first, without bodies."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM mail_outbox WHERE ref_kind = ? AND ref_id = ? ORDER BY id",
        [ref_kind, ref_id],
    ).fetchall()
    return [_public(r) for r in rows]


def get(conn: sqlite3.Connection, mail_id: int) -> dict[str, Any]:
    row = conn.execute(f"SELECT {_COLUMNS} FROM mail_outbox WHERE id = ?", [mail_id]).fetchone()
    if row is None:
        raise NotFound(f"no mail {mail_id}")
    return _public(row)


def resend(conn: sqlite3.Connection, mail_id: int) -> dict[str, Any]:
    """Queue an ``uncertain`` or ``failed`` mail again: a person's decision.

    An uncertain mail may already be in the recipient's inbox; the resend
    keeps its Message-ID, so mail clients that de-duplicate show it once.
    Anything else (queued, sending, sent) is a ``Conflict``.
    """
    current = get(conn, mail_id)
    if current["state"] not in RESENDABLE:
        raise Conflict(
            f"mail {mail_id} is {current['state']}; only uncertain or failed mails are resent",
            state=current["state"],
        )
    conn.execute(
        "UPDATE mail_outbox SET state = 'queued', next_attempt_at = 0, queued_at = ?,"
        " updated_at = ? WHERE id = ?",
        [time.time(), now_iso(), mail_id],
    )
    return get(conn, mail_id)


def outbox_summary(conn: sqlite3.Connection) -> dict[str, Any]:
    """For health: open, failed and uncertain counts, and the oldest open mail's age."""
    row = conn.execute(
        "SELECT"
        " count(*) FILTER (WHERE state IN ('queued','retrying','sending')) AS open,"
        " count(*) FILTER (WHERE state = 'failed') AS failed,"
        " count(*) FILTER (WHERE state = 'uncertain') AS uncertain,"
        " min(queued_at) FILTER (WHERE state IN ('queued','retrying','sending')) AS oldest"
        " FROM mail_outbox"
    ).fetchone()
    oldest = row["oldest"]
    return {
        "queued": row["open"],
        "failed": row["failed"],
        "uncertain": row["uncertain"],
        "oldest_queued_s": int(max(0.0, time.time() - oldest)) if oldest is not None else None,
    }


def in_states(
    conn: sqlite3.Connection, states: Sequence[str], limit: int = 50
) -> list[dict[str, Any]]:
    """The newest mails in ``states`` (e.g. what staff must look at: failed, uncertain)."""
    marks = ",".join("?" for _ in states)
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM mail_outbox WHERE state IN ({marks}) ORDER BY id DESC LIMIT ?",
        [*states, limit],
    ).fetchall()
    return [_public(r) for r in rows]


def purge_sent_attachments(conn: sqlite3.Connection, keep_days: int) -> int:
    """Drop the attachments of mails sent more than ``keep_days`` ago.

    The document itself is archived where it was made (an invoice keeps its
    PDF); the copy here only serves a resend, which a sent mail never needs.
    The mail row (recipient, subject, state, Message-ID) stays.
    """
    cutoff = iso_at(time.time() - keep_days * 86400, "microseconds")
    return conn.execute(
        "DELETE FROM mail_attachments WHERE mail_id IN"
        " (SELECT id FROM mail_outbox WHERE state = 'sent' AND sent_at < ?)",
        [cutoff],
    ).rowcount
