"""The persistent print outbox: receipts survive restarts and offline printers.

A job is a row in ``print_jobs`` holding the rendered
:class:`drivers.receipts.Document` as JSON. It is written by :func:`enqueue`
*inside* the transaction of the operation it prints (a checkout), so a sale
that committed always has its receipt queued and a sale that rolled back
never prints. One worker thread (:class:`PrintWorker`) prints due jobs in
order after commit and never runs inside a request, so printing can neither
block nor fail a money operation.

States: ``queued`` → ``printing`` → ``printed``, or ``failed`` with a reason.
While the printer is offline, stalled, cut off or out of paper the worker keeps the job queued
and retries with exponential backoff (0.5 s doubling up to
``printer.retry_max_s``); a job not printed within ``printer.give_up_s``, or
one the printer rejects for another reason, ends ``failed``.

Delivery is **at least once**: a job is marked ``printed`` only after the
printer took all bytes (and, where it answers ``DLE EOT``, said online with
paper after the last one). Jobs print strictly in order: a failing first job
holds back the rest. A crash (or a connection that breaks) between sending
and marking finds the job ``printing`` at the next start; it is queued again
and may come out twice. Nothing is ever lost silently.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from drivers.backoff import Backoff
from drivers.device import StateCallback
from drivers.printer import PaperOut, PrinterError, PrinterOffline, ReceiptPrinter
from drivers.receipts import (
    Document,
    Line,
    checkout_receipt,
    text_document,
)
from edge.platform.clock import now_iso
from edge.platform.config import Config
from edge.platform.db import Database
from edge.platform.outbox_worker import OutboxWorker

log = logging.getLogger(__name__)

QUEUED, PRINTING, PRINTED, FAILED = "queued", "printing", "printed", "failed"
RETRY_INITIAL_S = 0.5

Publish = Callable[[str, dict[str, Any]], Any]


def document_to_json(doc: Document) -> str:
    return json.dumps(dataclasses.asdict(doc), ensure_ascii=False, separators=(",", ":"))


def document_from_json(text: str) -> Document:
    data = json.loads(text)
    lines = [Line(**line) for line in data.pop("lines", [])]
    return Document(lines=lines, **data)


def box_info(config: Config) -> dict[str, Any]:
    """What receipt headers show about the box (the seller, SPEC §5) and the
    time zone their dates are printed in."""
    box = config.box
    return {
        "name": box.name,
        "address": list(box.address),
        "vat_id": box.vat_id,
        "tax_number": box.tax_number,
        "timezone": box.timezone,
    }


def printer_for(config: Config, on_state: StateCallback | None = None) -> ReceiptPrinter:
    """The receipt printer ``[devices.printer]`` describes (ValueError if wrongly)."""
    cfg = config.devices.printer
    options: dict[str, Any] = {
        "profile": cfg.profile,
        "codepage": cfg.codepage,
        "timeout": cfg.timeout_s,
        "status_query": cfg.status_query,
        "status_timeout": cfg.status_timeout_s,
    }
    return ReceiptPrinter(cfg.uri, base_dir=config.data_path, on_state=on_state, **options)


def locale(config: Config) -> str:
    return config.devices.language


def enqueue(
    conn: sqlite3.Connection,
    doc: Document,
    *,
    kind: str | None = None,
    source_id: str | None = None,
) -> str:
    """Queue ``doc`` in the caller's transaction; returns the job id.

    Call :meth:`PrintWorker.wake` after the commit (or let the worker's
    idle poll find it).
    """
    now = now_iso()
    cur = conn.execute(
        "INSERT INTO print_jobs (kind, source_id, document, state, created_at, updated_at)"
        " VALUES (?, ?, ?, 'queued', ?, ?)",
        [kind or doc.kind, source_id, document_to_json(doc), now, now],
    )
    return str(cur.lastrowid)


def customer_vat_id(conn: sqlite3.Connection, customer_id: Any) -> str | None:
    """The customer's VAT ID, which a reverse-charge receipt must name (the
    checkout body does not carry it)."""
    if customer_id is None:
        return None
    row = conn.execute("SELECT vat_id FROM customers WHERE id = ?", [customer_id]).fetchone()
    return (row["vat_id"] or None) if row else None


def checkout_document(
    config: Config, body: Mapping[str, Any], *, at: str = "", vat_id: str | None = None
) -> Document:
    """The sale receipt for a checkout response body; ``vat_id`` is the
    customer's (printed in net mode)."""
    data = dict(body)
    data.setdefault(
        "customer",
        {
            "display_name": body.get("display_name"),
            "customer_number": body.get("customer_number"),
            "vat_id": vat_id,
        },
    )
    if at:
        data.setdefault("at", at)
    return checkout_receipt(
        box_info(config), data, locale=locale(config), width=config.devices.printer.width
    )


def enqueue_checkout(
    conn: sqlite3.Connection, config: Config, body: Mapping[str, Any], *, at: str = ""
) -> str:
    """Queue the receipt of a checkout (same transaction as the sale).

    Never fails the sale: a layout error (a bug) still queues a plain
    receipt with the receipt number and total, and is logged.
    """
    try:
        vat_id = customer_vat_id(conn, body.get("customer_id")) if body.get("net_mode") else None
        doc = checkout_document(config, body, at=at, vat_id=vat_id)
    except Exception:
        log.exception("checkout %s: receipt layout failed", body.get("checkout_id"))
        doc = text_document(
            [f"{body.get('receipt_no') or ''}", f"{body.get('total')} {config.box.currency}"],
            title=config.box.name,
            width=config.devices.printer.width,
        )
        doc.kind = "checkout"
    return enqueue(conn, doc, kind="checkout", source_id=str(body.get("checkout_id") or ""))


def enqueue_text(conn: sqlite3.Connection, config: Config, lines: list[str], title: str) -> str:
    doc = text_document(lines, title=title, width=config.devices.printer.width)
    return enqueue(conn, doc, kind="text")


def job(conn: sqlite3.Connection, job_id: str) -> dict[str, Any] | None:
    """``GET /receipts/{job_id}``: the job's state (no document)."""
    try:
        key = int(job_id)
    except ValueError:
        return None
    row = conn.execute(
        "SELECT id, kind, source_id, state, attempts, last_error, created_at, updated_at,"
        " printed_at, next_attempt_at FROM print_jobs WHERE id = ?",
        [key],
    ).fetchone()
    if row is None:
        return None
    return {
        "job_id": str(row["id"]),
        "kind": row["kind"],
        "source_id": row["source_id"] or None,
        "state": row["state"],
        "attempts": row["attempts"],
        "reason": row["last_error"] if row["state"] == FAILED else None,
        "last_error": row["last_error"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "printed_at": row["printed_at"],
    }


def latest_document_for(conn: sqlite3.Connection, kind: str, source_id: str) -> Document | None:
    row = conn.execute(
        "SELECT document FROM print_jobs WHERE kind = ? AND source_id = ? ORDER BY id DESC LIMIT 1",
        [kind, source_id],
    ).fetchone()
    return document_from_json(row["document"]) if row else None


class PrintWorker(OutboxWorker):
    """Prints the outbox in order, one job at a time, in a daemon thread."""

    thread_name = "print-outbox"

    def __init__(
        self,
        db: Database,
        printer: ReceiptPrinter,
        *,
        publish: Publish | None = None,
        retry_max_s: float = 10.0,
        give_up_s: float = 3600.0,
        idle_poll_s: float = 2.0,
    ) -> None:
        super().__init__(idle_poll_s=idle_poll_s)
        self.db = db
        self.printer = printer
        self.publish = publish
        self.give_up_s = give_up_s
        self.retry = Backoff(RETRY_INITIAL_S, retry_max_s)
        self.printed = 0

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        if self.running:
            return
        # A job left "printing" was interrupted by a crash or stop: it may be
        # partly on paper, but it was never confirmed — print it again.
        self.db.write(
            lambda conn: conn.execute(
                "UPDATE print_jobs SET state = 'queued', updated_at = ? WHERE state = 'printing'",
                [now_iso()],
            )
        )
        self.start_thread()

    def wake(self, *, retry_now: bool = False) -> None:
        """New job committed, or (``retry_now``) the printer is back."""
        if retry_now:
            self.retry.reset()
            self.db.write(
                lambda conn: conn.execute(
                    "UPDATE print_jobs SET next_attempt_at = 0 WHERE state = 'queued'"
                )
            )
        super().wake()

    # -- internals ---------------------------------------------------------
    def _emit(self, job_id: int, state: str, kind: str, reason: str | None = None) -> None:
        if self.publish is None:
            return
        data: dict[str, Any] = {"job_id": str(job_id), "state": state, "kind": kind}
        if reason:
            data["reason"] = reason
        try:
            self.publish("receipt.status", data)
        except Exception:
            log.exception("receipt.status event failed")

    def next_due(self) -> tuple[sqlite3.Row | None, float | None]:
        """The first open job if due, else (None, seconds until one is due)."""
        row = (
            self.db.reader()
            .execute(
                "SELECT id, kind, document, attempts, created_at, next_attempt_at FROM print_jobs"
                " WHERE state IN ('queued','printing') ORDER BY id LIMIT 1"
            )
            .fetchone()
        )
        if row is None:
            return None, None
        wait = row["next_attempt_at"] - time.time()
        return (row, None) if wait <= 0 else (None, wait)

    def _set(self, job_id: int, state: str, **cols: Any) -> None:
        sets = ", ".join(f"{c} = ?" for c in cols)
        values = [state, now_iso(), *cols.values(), job_id]
        sql = f"UPDATE print_jobs SET state = ?, updated_at = ?{', ' + sets if sets else ''}"
        self.db.write(lambda conn: conn.execute(sql + " WHERE id = ?", values))

    def _record_printed(self, job_id: int) -> None:
        # The paper is out; a full disk must not make the job print twice, so
        # the state is retried here instead of re-running the job.
        self.keep_trying(
            lambda: self._set(job_id, PRINTED, printed_at=now_iso(), last_error=None),
            f"print job {job_id} printed",
        )

    def _age_s(self, created_at: str) -> float:
        try:
            created = datetime.strptime(created_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        except ValueError:
            return 0.0
        return time.time() - created.timestamp()

    def handle(self, row: sqlite3.Row) -> None:
        job_id, kind = row["id"], row["kind"]
        try:
            doc = document_from_json(row["document"])
        except (ValueError, TypeError) as exc:
            self._set(job_id, FAILED, last_error=f"unreadable document: {exc}")
            self._emit(job_id, FAILED, kind, f"unreadable document: {exc}")
            return
        self._set(job_id, PRINTING, attempts=row["attempts"] + 1)
        try:
            self.printer.print_job(doc)
        except (PrinterOffline, PaperOut) as exc:
            reason = f"{exc.state}: {exc}"  # stalled, disconnected, paper_out, offline
            if self._age_s(row["created_at"]) >= self.give_up_s:
                reason = f"gave up after {self.give_up_s:.0f}s: {reason}"
                self._set(job_id, FAILED, last_error=reason)
                self._emit(job_id, FAILED, kind, reason)
                return
            delay = self.retry.next()
            self._set(job_id, QUEUED, last_error=reason, next_attempt_at=time.time() + delay)
            log.info("print job %s waits %.1fs: %s", job_id, delay, reason)
            return
        except PrinterError as exc:
            self._set(job_id, FAILED, last_error=str(exc))
            self._emit(job_id, FAILED, kind, str(exc))
            return
        self.retry.reset()
        self._record_printed(job_id)
        self.printed += 1
        self._emit(job_id, PRINTED, kind)
