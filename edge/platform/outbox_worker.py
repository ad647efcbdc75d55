"""The thread every persistent outbox runs (print jobs, mails): take the next
due row, handle it, sleep until one is due or a wake comes.

A subclass says which row is next (:meth:`OutboxWorker.next_due`) and what
handling it means (:meth:`OutboxWorker.handle`); the loop keeps the worker
alive through database errors and a full disk, which only delay a row.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from edge.errors import StorageFull

log = logging.getLogger(__name__)


def backoff(initial_s: float, max_s: float, attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed try: doubling, capped."""
    doublings = min(max(0, attempts - 1), 40)  # 2**40 times anything is past any maximum
    return float(min(initial_s * 2**doublings, max_s))


class OutboxWorker:
    """One daemon thread named ``thread_name``, handling one row at a time."""

    thread_name = "outbox"

    def __init__(self, *, idle_poll_s: float) -> None:
        # Rows queued by another process (the CLI, an API worker) or a missed
        # wake are found by this poll; in-process enqueues wake at once.
        self.idle_poll_s = idle_poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what a subclass provides -------------------------------------------
    def next_due(self) -> tuple[Any, float | None]:
        """The next row if due, else (None, seconds until one is due or None)."""
        raise NotImplementedError

    def handle(self, row: Any) -> None:
        raise NotImplementedError

    # -- lifecycle ---------------------------------------------------------
    def start_thread(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def keep_trying(self, write: Callable[[], None], what: str) -> None:
        """Record an outcome that already happened (paper out, mail accepted):
        a full disk waits here rather than letting the row run again."""
        warned = False
        while True:
            try:
                write()
                return
            except StorageFull:
                if not warned:
                    log.warning("%s; recording waits, the disk is full", what)
                    warned = True
                if self._stop.wait(1.0):
                    return

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                row, wait = self.next_due()
            except sqlite3.Error:
                log.exception("%s: cannot read the queue", self.thread_name)
                row, wait = None, self.idle_poll_s
            if row is None:
                self._wake.wait(self.idle_poll_s if wait is None else min(wait, self.idle_poll_s))
                self._wake.clear()
                continue
            try:
                self.handle(row)
            except StorageFull:
                # Health already says db: full; the row stays open and runs again.
                log.warning("%s: row %s waits, the disk is full", self.thread_name, row["id"])
                self._stop.wait(1.0)
            except Exception:  # a DB error here must not kill the worker
                log.exception("%s: row %s", self.thread_name, row["id"])
                self._stop.wait(1.0)
