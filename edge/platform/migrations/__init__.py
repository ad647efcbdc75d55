"""Versioned schema, applied at start (``sqlite_utils.Migrations``).

Migrations are append-only: a released migration is never edited, a change
is a new function after the others — at the end of the last ``sN_`` module,
or in a new ``sN_`` module imported last below. The import order here is the
order they run in. Each runs in its own transaction together with the record
that it ran, so a crash mid-upgrade leaves the previous version intact.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from edge.platform.db import connect
from edge.platform.migrations import s1_foundation, s2_customers, s3_operations  # noqa: F401
from edge.platform.migrations.registry import migrations, run_script

__all__ = ["applied", "apply", "latest", "migrations", "run_script"]


def apply(path: str | Path, *, stop_before: str | None = None) -> list[str]:
    """Apply pending migrations to the database at ``path``; return their names."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn: sqlite3.Connection = connect(path)
    try:
        db = sqlite_utils.Database(conn)
        pending = [m.name for m in migrations.pending(db)]
        if stop_before is not None and stop_before in pending:
            pending = pending[: pending.index(stop_before)]
        migrations.apply(db, stop_before=stop_before)
        return pending
    finally:
        conn.close()


def applied(path: str | Path) -> list[str]:
    conn = connect(path)
    try:
        return [m.name for m in migrations.applied(sqlite_utils.Database(conn))]
    finally:
        conn.close()


def latest() -> str:
    return migrations._migrations[-1].name
