"""SQLite access: tuned connections, per-thread readers and one writer.

All writes go through :class:`Writer`, which owns the only writing
connection. Requests hand it a function; queued functions run in one
``BEGIN IMMEDIATE`` transaction, each inside its own savepoint, with one
commit (``synchronous=FULL``: on disk before ``COMMIT`` returns), and a
caller returns only after that commit. Concurrent requests therefore share
one fsync (group commit) while each still happens whole or not at all: a
function that raises is rolled back to its savepoint and never fails its
batch-mates.

A full disk (``SQLITE_FULL``, or ``ENOSPC`` from the WAL) fails the whole
batch as :class:`~edge.errors.StorageFull`: SQLite may have rolled the
transaction back already, so nothing of it, idempotency keys included, is
kept. The writer remembers the state (:attr:`Writer.storage_full`) until a
commit succeeds again, which needs no restart.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any, TypeVar

from edge.errors import DomainError, StorageFull

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000

#: Less room than this on the database's disk counts as full (a top-up needs
#: a few pages of WAL, a migration more); the start-up check uses it too.
MIN_FREE_BYTES = 64 * 1024


def is_storage_full(err: BaseException) -> bool:
    """Whether ``err`` (or what it was raised from) says the disk is full."""
    while err is not None:
        if isinstance(err, StorageFull):
            return True
        if isinstance(err, sqlite3.Error) and getattr(err, "sqlite_errorcode", None) == (
            sqlite3.SQLITE_FULL
        ):
            return True
        if isinstance(err, OSError) and err.errno == errno.ENOSPC:
            return True
        err = err.__cause__ or err.__context__  # type: ignore[assignment]
    return False


def storage_full(err: BaseException, path: Path) -> StorageFull:
    """The domain error for a full disk under the database at ``path``."""
    if isinstance(err, StorageFull):
        return err
    return StorageFull(f"the disk holding {path} is full; nothing was written")


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
    # Deleted or overwritten values are zeroed where that costs no extra I/O,
    # so an updated record does not linger in a page's free space (GDPR
    # erasure turns it fully on for its own transaction).
    conn.execute("PRAGMA secure_delete = FAST")
    return conn


class _Job:
    __slots__ = ("done", "error", "fn", "result")

    def __init__(self, fn: Callable[[sqlite3.Connection], Any]) -> None:
        self.fn = fn
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False


class Writer:
    """The one writing connection, with leader-based group commit.

    There is no writer thread to hand work to: a request thread queues its
    function and takes the commit lock. Whoever holds the lock is the leader:
    it takes every queued function (its own and those that arrived while the
    previous commit was syncing), runs them in one transaction, each in its
    own savepoint, commits once and marks them done. A thread whose function
    a leader already committed finds it done when it gets the lock and simply
    returns. A lone request thus runs its write itself without any thread
    switch, and under load one fsync covers a whole batch.
    """

    def __init__(self, path: str | Path, *, max_batch: int = 128) -> None:
        self.path = Path(path)
        self.max_batch = max_batch
        self._pending: deque[_Job] = deque()
        self._commit_lock = threading.Lock()
        self._local = threading.local()
        self._conn: sqlite3.Connection | None = None
        self._lock_fd = -1
        self.commits = 0
        self.operations = 0
        self.storage_full = False  # the last commit failed on a full disk
        # Wraps the wait for (and the leading of) a commit; the server sets it
        # so a request gives back its CPU slot meanwhile (edge/server.py).
        self.waiting: Callable[[], AbstractContextManager[None]] = nullcontext

    def _connect(self) -> sqlite3.Connection:
        # Writers in other processes (API workers, CLI commands) take this lock
        # around their transaction too. Without it they would meet on SQLite's
        # own lock, whose busy handler sleeps 1, 2, 5, 10 … ms between tries;
        # flock() wakes the next writer the moment the lock is free.
        self._lock_fd = os.open(f"{self.path}-writer", os.O_RDWR | os.O_CREAT, 0o600)
        conn = connect(self.path)
        # Checkpoints run in the background (Database.checkpoint), not inside
        # whichever commit happens to cross the WAL size limit: that commit
        # would wait ~10 ms for it (create p99 13.9 -> 3.2 ms at 1M customers).
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        return conn

    def start(self) -> None:
        """Open the writing connection (done lazily by the first write)."""
        with self._commit_lock:
            if self._conn is None:
                self._conn = self._connect()

    def stop(self) -> None:
        with self._commit_lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
                os.close(self._lock_fd)

    def submit(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` in a transaction; return once it is durable."""
        [(result, error)] = self.submit_all([fn])
        if error is not None:
            raise error
        return result  # type: ignore[no-any-return]

    def submit_all(
        self, fns: list[Callable[[sqlite3.Connection], Any]]
    ) -> list[tuple[Any, BaseException | None]]:
        """:meth:`submit` for many functions at once, each whole or not at
        all: ``(result, None)`` or ``(None, error)`` per function, in order."""
        if getattr(self._local, "leading", False):
            raise RuntimeError("nested write: call fn(conn) directly inside a write")
        jobs = [_Job(fn) for fn in fns]
        self._pending.extend(jobs)  # atomic: one batch may take them all
        if jobs:
            # First in, first out, and batches commit one after another: once
            # the last job is done, so are all before it.
            with self.waiting():
                self._lead_until_done(jobs[-1])
        return [(job.result, job.error) for job in jobs]

    def _lead_until_done(self, job: _Job) -> None:
        while not job.done:
            with self._commit_lock:
                if job.done:
                    break
                if self._conn is None:
                    self._conn = self._connect()
                # The inter-process lock first, the batch second: whatever
                # queued while another process was committing joins this
                # commit instead of waiting for the next one.
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
                try:
                    batch = []
                    while self._pending and len(batch) < self.max_batch:
                        batch.append(self._pending.popleft())
                    if batch:
                        self._local.leading = True
                        try:
                            self._run_batch(self._conn, batch)
                        finally:
                            self._local.leading = False
                finally:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _run_batch(self, conn: sqlite3.Connection, batch: list[_Job]) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job in batch:
                conn.execute("SAVEPOINT op")
                try:
                    job.result = job.fn(conn)
                except BaseException as e:  # the caller gets it; batch-mates go on
                    job.error = e
                    if is_storage_full(e):
                        # SQLite may have rolled the whole transaction back
                        # under the savepoints: the batch fails as one.
                        raise storage_full(e, self.path) from e
                    conn.execute("ROLLBACK TO op")
                conn.execute("RELEASE op")
            conn.execute("COMMIT")
            self.commits += 1
            self.operations += len(batch)
            if self.storage_full:
                log.warning("the disk holding %s has space again; writes succeed", self.path)
            self.storage_full = False
        except BaseException as e:
            full = is_storage_full(e)
            if full:
                if not self.storage_full:
                    log.error(
                        "disk full: %d operations rolled back (%s)", len(batch), e.__cause__ or e
                    )
                self.storage_full = True
            else:
                log.exception("commit failed; %d operations rolled back", len(batch))
            if conn.in_transaction:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            error = storage_full(e, self.path) if full else e
            for job in batch:
                # A refusal stays the answer; anything else is this failure.
                if job.error is None or (full and not isinstance(job.error, DomainError)):
                    job.error = error
        finally:
            for job in batch:
                job.done = True


def _touch(conn: sqlite3.Connection) -> None:
    # Rewrites one page (the WAL frame is real), changes no value.
    conn.execute("UPDATE box_meta SET value = value WHERE key = 'box_id'")


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

    @property
    def storage_full(self) -> bool:
        """Whether the last commit failed on a full disk (see :meth:`probe_storage`)."""
        return self.writer.storage_full

    def probe_storage(self) -> bool:
        """After a full disk: once there is room again, one tiny write, so
        health sees freed space before the next real write does. True while
        the disk is still full. (The write alone could fit into the WAL's
        slack and pass while a real operation would not.)"""
        if self.writer.storage_full:
            st = os.statvfs(self.path.parent)
            if st.f_bavail * st.f_frsize < MIN_FREE_BYTES:
                return True
            with suppress(StorageFull):
                self.write(_touch)
        return self.writer.storage_full

    def checkpoint(self) -> None:
        """Copy committed WAL pages into the database file without blocking
        the writer or readers (PASSIVE); the writer never checkpoints itself."""
        conn = connect(self.path)
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as e:
            if not is_storage_full(e):
                raise
            # The next run tries again; a full disk is the writer's to report.
            log.debug("checkpoint deferred: %s", e)
        finally:
            conn.close()

    def close(self) -> None:
        self.writer.stop()
        with self._readers_lock:
            for conn in self._all_readers:
                with suppress(sqlite3.ProgrammingError):
                    conn.close()
            self._all_readers.clear()
        self._local = threading.local()
