"""SQLite access: tuned connections, per-thread readers and one writer.

All writes go through :class:`Writer`, a single thread that owns the only
writing connection. Requests hand it a function; it runs queued functions in
one ``BEGIN IMMEDIATE`` transaction, each inside its own savepoint, commits
once (``synchronous=FULL``: on disk before ``COMMIT`` returns) and only then
wakes the callers. Concurrent requests therefore share one fsync (group
commit) while each still happens whole or not at all: a function that raises
is rolled back to its savepoint and never fails its batch-mates.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open a connection with the pragmas every TillEdge connection uses."""
    conn = sqlite3.connect(
        str(path),
        isolation_level=None,  # we issue BEGIN/COMMIT ourselves
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


class _Job:
    __slots__ = ("done", "error", "fn", "result")

    def __init__(self, fn: Callable[[sqlite3.Connection], Any]) -> None:
        self.fn = fn
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()


class Writer:
    """The one writing connection, run by one thread, with group commit."""

    def __init__(self, path: str | Path, *, max_batch: int = 128) -> None:
        self.path = Path(path)
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="db-writer", daemon=True)
        self._started = False
        self._lock = threading.Lock()
        self.commits = 0
        self.operations = 0

    def start(self) -> None:
        with self._lock:
            if not self._started:
                self._started = True
                self._thread.start()

    def stop(self) -> None:
        with self._lock:
            if self._started:
                self._queue.put(None)
                self._thread.join()
                self._started = False
                self._thread = threading.Thread(target=self._run, name="db-writer", daemon=True)

    def submit(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` in a transaction; return once it is durable."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("nested write: call fn(conn) directly inside a write")
        self.start()
        job = _Job(fn)
        self._queue.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[no-any-return]

    def _run(self) -> None:
        conn = connect(self.path)
        try:
            while True:
                job = self._queue.get()
                if job is None:
                    return
                batch = [job]
                stop = False
                while len(batch) < self.max_batch:
                    try:
                        nxt = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is None:
                        stop = True
                        break
                    batch.append(nxt)
                self._run_batch(conn, batch)
                if stop:
                    return
        finally:
            conn.close()

    def _run_batch(self, conn: sqlite3.Connection, batch: list[_Job]) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job in batch:
                conn.execute("SAVEPOINT op")
                try:
                    job.result = job.fn(conn)
                except BaseException as e:  # the caller gets it; batch-mates go on
                    job.error = e
                    conn.execute("ROLLBACK TO op")
                conn.execute("RELEASE op")
            conn.execute("COMMIT")
            self.commits += 1
            self.operations += len(batch)
        except BaseException as e:
            log.exception("commit failed; %d operations rolled back", len(batch))
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for job in batch:
                if job.error is None:
                    job.error = e
        finally:
            for job in batch:
                job.done.set()


class Database:
    """Thread-local read connections plus the single :class:`Writer`."""

    def __init__(self, path: str | Path, *, max_batch: int = 128) -> None:
        self.path = Path(path)
        self.writer = Writer(self.path, max_batch=max_batch)
        self._local = threading.local()
        self._all_readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    def reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._readers_lock:
                self._all_readers.append(conn)
        return conn

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A consistent read view over several queries."""
        conn = self.reader()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return self.writer.submit(fn)

    def close(self) -> None:
        self.writer.stop()
        with self._readers_lock:
            for conn in self._all_readers:
                with suppress(sqlite3.ProgrammingError):
                    conn.close()
            self._all_readers.clear()
        self._local = threading.local()
