"""The mail worker: one daemon thread sending due outbox rows after commit.

Started by ``tilledge serve`` (:func:`attach`), never inside a request, so a
slow or unreachable mail server can neither block nor fail what queued the
mail. Rows are sent oldest first, one at a time; a mail waiting for its
retry does not hold back the others.

At start a row still ``sending`` is one whose outcome nobody saw (the
service died during DATA): it becomes ``uncertain`` and is never sent again
automatically — see docs/mail.md for why.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from edge.mail import smtp
from edge.mail.outbox import (
    FAILED,
    RETRYING,
    SENDING,
    SENT,
    UNCERTAIN,
    Attachment,
    mail_configured,
    purge_sent_attachments,
)
from edge.platform.clock import now_iso
from edge.platform.config import MailConfig
from edge.platform.outbox_worker import OutboxWorker, backoff

if TYPE_CHECKING:
    from edge.platform.box import Box

log = logging.getLogger(__name__)

INTERRUPTED = "the service stopped while sending; the server may have accepted it"


def retry_delay(cfg: MailConfig, attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed try: doubling, capped."""
    return backoff(cfg.retry_initial_s, cfg.retry_max_s, attempts)


class MailOutbox(OutboxWorker):
    """Sends the outbox of ``box`` with its ``[mail]`` settings."""

    thread_name = "mail-outbox"

    def __init__(self, box: Box, *, idle_poll_s: float = 5.0) -> None:
        super().__init__(idle_poll_s=idle_poll_s)
        self.box = box
        self.db = box.db
        self.cfg = box.config.mail
        self.sent = 0

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        if self.running:
            return
        found = self.db.write(
            lambda conn: (
                conn.execute(
                    "UPDATE mail_outbox SET state = 'uncertain', last_error = ?, updated_at = ?"
                    " WHERE state = 'sending'",
                    [INTERRUPTED, now_iso()],
                ).rowcount
            )
        )
        if found:
            log.warning("mail outbox: %d mail(s) uncertain after an interrupted send", found)
        self.start_thread()

    # -- internals ---------------------------------------------------------
    def next_due(self) -> tuple[sqlite3.Row | None, float | None]:
        """The oldest due mail, else (None, seconds until one is due)."""
        reader = self.db.reader()
        row = reader.execute(
            "SELECT * FROM mail_outbox WHERE state IN ('queued','retrying')"
            " AND next_attempt_at <= ? ORDER BY id LIMIT 1",
            [time.time()],
        ).fetchone()
        if row is not None:
            return row, None
        soonest = reader.execute(
            "SELECT min(next_attempt_at) FROM mail_outbox WHERE state IN ('queued','retrying')"
        ).fetchone()[0]
        return None, (None if soonest is None else max(0.0, soonest - time.time()))

    def _set(self, mail_id: int, state: str, **cols: Any) -> None:
        sets = "".join(f", {c} = ?" for c in cols)
        values = [state, now_iso(), *cols.values(), mail_id]
        sql = f"UPDATE mail_outbox SET state = ?, updated_at = ?{sets} WHERE id = ?"
        self.db.write(lambda conn: conn.execute(sql, values))

    def _record(self, mail_id: int, state: str, **cols: Any) -> None:
        # The server answered: keep its outcome even through a full disk,
        # rather than leave the row "sending" (→ uncertain at the next start).
        self.keep_trying(lambda: self._set(mail_id, state, **cols), f"mail {mail_id} {state}")

    def _mail(self, row: sqlite3.Row) -> smtp.Mail:
        files = (
            self.db.reader()
            .execute(
                "SELECT name, mime, content FROM mail_attachments WHERE mail_id = ?"
                " ORDER BY position",
                [row["id"]],
            )
            .fetchall()
        )
        created = datetime.strptime(row["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
        return smtp.Mail(
            message_id=row["message_id"],
            to=row["recipient"],
            subject=row["subject"],
            text=row["body"],
            date=created.replace(tzinfo=UTC),
            attachments=[Attachment(f["name"], f["mime"], f["content"]) for f in files],
        )

    def handle(self, row: sqlite3.Row) -> None:
        mail_id, attempts = row["id"], row["attempts"] + 1
        try:
            msg = smtp.message(self.cfg, self._mail(row))
        except (ValueError, TypeError) as e:
            # A row no message can be made of would hold back every later mail.
            self._record(mail_id, FAILED, last_error=f"cannot build the message: {e}")
            log.error("mail %s: cannot build the message: %s", mail_id, e)
            return

        def committed_sending() -> None:
            self._set(mail_id, SENDING, attempts=attempts)

        outcome = smtp.deliver(self.cfg, msg, committed_sending)
        if outcome.kind == "sent":
            self._record(mail_id, SENT, sent_at=now_iso(), last_error=None)
            self.sent += 1
            log.info("mail %s sent to the server", mail_id)
        elif outcome.kind == "uncertain":
            self._record(mail_id, UNCERTAIN, last_error=outcome.reason)
            log.warning("mail %s uncertain: %s", mail_id, outcome.reason)
        elif outcome.kind == "failed":
            self._record(mail_id, FAILED, attempts=attempts, last_error=outcome.reason)
            log.warning("mail %s failed: %s", mail_id, outcome.reason)
        elif time.time() - row["queued_at"] >= self.cfg.give_up_s:
            reason = f"gave up after {self.cfg.give_up_s:.0f}s: {outcome.reason}"
            self._record(mail_id, FAILED, attempts=attempts, last_error=reason)
            log.warning("mail %s failed: %s", mail_id, reason)
        else:
            delay = retry_delay(self.cfg, attempts)
            self._record(
                mail_id,
                RETRYING,
                attempts=attempts,
                last_error=outcome.reason,
                next_attempt_at=time.time() + delay,
            )
            log.info("mail %s retries in %.0fs: %s", mail_id, delay, outcome.reason)


def attach(box: Box, *, start: bool = True) -> MailOutbox | None:
    """The worker for ``box``, registered as ``box.services["mail"]`` and stopped
    on close; None (nothing started) when no mail is configured."""
    if not mail_configured(box.config):
        return None
    worker = MailOutbox(box)
    box.services["mail"] = worker
    box.on_close(worker.stop)
    if start:
        worker.start()
        keep = box.config.mail.keep_attachments_days
        box.every(
            3600,
            lambda: box.db.write(lambda conn: purge_sent_attachments(conn, keep)),
            "purge-mail-attachments",
        )
    return worker


def wake(box: Box) -> None:
    """After committing an enqueue: wake this process's worker, if it runs one."""
    worker = box.services.get("mail")
    if worker is not None:
        worker.wake()
