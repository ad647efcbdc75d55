"""Versioned schema, applied at start (``sqlite_utils.Migrations``).

Migrations are append-only: a released migration is never edited, a change
is a new function after the others — at the end of the last ``sN_`` module,
or in a new ``sN_`` module imported last below. The import order here is the
order they run in. Each runs in its own transaction together with the record
that it ran, so a crash mid-upgrade leaves the previous version intact.

Upgrading an existing database first copies it (SQLite's backup API) to
``<data_dir>/pre-upgrade/<name>-<from version>.db``, the last
:data:`KEEP_PRE_UPGRADE` kept. When a migration fails, the copy is put back,
so the database is as it was before the upgrade, not half-way, and
:class:`MigrationFailed` names the migration.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from edge.platform.db import connect
from edge.platform.migrations import s1_foundation, s2_customers, s3_operations  # noqa: F401
from edge.platform.migrations.registry import migrations, run_script

__all__ = [
    "MigrationFailed",
    "applied",
    "apply",
    "latest",
    "migrations",
    "pre_upgrade_dir",
    "run_script",
]

PRE_UPGRADE_DIR = "pre-upgrade"
KEEP_PRE_UPGRADE = 3


class MigrationFailed(Exception):
    """A migration raised; the database was put back as it was before."""

    def __init__(self, name: str, from_version: str, error: BaseException, copy: Path | None):
        self.name = name
        self.from_version = from_version
        self.error = error
        self.copy = copy
        kept = f" (a copy from before is in {copy})" if copy else ""
        super().__init__(
            f"migration {name} failed: {type(error).__name__}: {error} — the database is"
            f" unchanged at version {from_version or 'empty'}{kept}; install the previous"
            " release or call support"
        )


def pre_upgrade_dir(path: str | Path) -> Path:
    return Path(path).parent / PRE_UPGRADE_DIR


def apply(path: str | Path, *, stop_before: str | None = None) -> list[str]:
    """Apply pending migrations to the database at ``path``; return their names.
    Raises :class:`MigrationFailed` (the database as it was) when one fails."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn: sqlite3.Connection = connect(path)
    try:
        db = sqlite_utils.Database(conn)
        done = [m.name for m in migrations.applied(db)]
        pending = [m.name for m in migrations.pending(db)]
        if stop_before is not None and stop_before in pending:
            pending = pending[: pending.index(stop_before)]
        if not pending:
            return []
        from_version = done[-1] if done else ""
        copy = _pre_upgrade_copy(conn, Path(path), from_version) if done else None
        try:
            migrations.apply(db, stop_before=stop_before)
        except Exception as e:
            now = {m.name for m in migrations.applied(db)}
            failed = next((n for n in pending if n not in now), pending[0])
            if copy is not None:
                _put_back(copy, conn)
            raise MigrationFailed(failed, from_version, e, copy) from e
        return pending
    finally:
        conn.close()


def _pre_upgrade_copy(conn: sqlite3.Connection, path: Path, from_version: str) -> Path:
    # Plain SQLite, not an encrypted backup: the box needs no passphrase to
    # upgrade, and the copy stays in the data directory, as private as the
    # database itself.
    directory = pre_upgrade_dir(path)
    directory.mkdir(mode=0o700, exist_ok=True)
    copy = directory / f"{path.stem}-{from_version}.db"
    tmp = copy.with_name(f".{copy.name}.tmp")
    tmp.unlink(missing_ok=True)
    dst = sqlite3.connect(str(tmp))
    try:
        conn.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        dst.close()
    os.replace(tmp, copy)
    copies = sorted(directory.glob(f"{path.stem}-*.db"), key=lambda p: p.stat().st_mtime)
    for old in copies[:-KEEP_PRE_UPGRADE]:
        old.unlink(missing_ok=True)
    return copy


def _put_back(copy: Path, conn: sqlite3.Connection) -> None:
    # The backup API writes every page in one transaction on the live file.
    src = sqlite3.connect(str(copy))
    try:
        src.backup(conn)
    finally:
        src.close()


def applied(path: str | Path) -> list[str]:
    conn = connect(path)
    try:
        return [m.name for m in migrations.applied(sqlite_utils.Database(conn))]
    finally:
        conn.close()


def latest() -> str:
    return migrations._migrations[-1].name
