"""Throttling of failed authentication attempts per client address (and,
for logins, per account and address: ``edge.security.users``).

Failures are kept in the database (``auth_failures``) rather than in memory,
so restarting the service does not reset an attacker's budget. Only failures
are recorded: a successful attempt costs nothing.
"""

from __future__ import annotations

import sqlite3
import time


def failures_since(conn: sqlite3.Connection, kind: str, subject: str, since: float) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM auth_failures WHERE kind = ? AND subject = ? AND at >= ?",
        [kind, subject, since],
    ).fetchone()
    return int(row[0])


def last_failure(conn: sqlite3.Connection, kind: str, subject: str) -> float | None:
    """When ``subject`` last failed (unix time), or None."""
    row = conn.execute(
        "SELECT MAX(at) FROM auth_failures WHERE kind = ? AND subject = ?", [kind, subject]
    ).fetchone()
    return None if row[0] is None else float(row[0])


def forget(conn: sqlite3.Connection, kind: str, subject_prefix: str) -> None:
    """Drop the failures of every subject starting with ``subject_prefix``."""
    conn.execute(
        "DELETE FROM auth_failures WHERE kind = ? AND substr(subject, 1, ?) = ?",
        [kind, len(subject_prefix), subject_prefix],
    )


def is_throttled(
    conn: sqlite3.Connection,
    kind: str,
    subject: str,
    *,
    limit: int,
    window_s: float,
    now: float | None = None,
) -> bool:
    """True when ``subject`` has used up its ``limit`` failures in the window."""
    now = time.time() if now is None else now
    return failures_since(conn, kind, subject, now - window_s) >= limit


def record_failure(
    conn: sqlite3.Connection, kind: str, subject: str, *, now: float | None = None
) -> None:
    now = time.time() if now is None else now
    conn.execute(
        "INSERT INTO auth_failures (kind, subject, at) VALUES (?, ?, ?)", [kind, subject, now]
    )
    # Keep the table small: nothing older than a day matters for any window.
    conn.execute("DELETE FROM auth_failures WHERE at < ?", [now - 86400])
