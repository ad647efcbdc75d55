"""The journal's shape and its checks: the columns in hashing order (the one
definition the schema, the service and the test generators use), the type
codes, the row of one posting, and verification of rows or a database file.

Journal hashing: ``hash = sha256(prev_hash || encoding(entry))``, genesis
``prev_hash = GENESIS_HASH`` (32 zero bytes). The encoding (version 1) is
documented in ``ledger_core/src/journal.rs`` and in ``edge/_ledger_core.pyi``;
use ``entry_hash(prev, *row)`` (one row) or ``chain_hashes`` (several rows)
when inserting, ``verify_journal`` to check a database file. Imports only the
compiled core and ``edge.ledger.errors``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from enum import IntEnum
from typing import Any

from edge import _ledger_core as _core
from edge._ledger_core import Posting, VerifyReport
from edge.ledger.errors import StoreError

__all__ = [
    "JOURNAL_COLUMNS",
    "JOURNAL_SCHEMA",
    "CreditType",
    "PointsType",
    "entry_hash",
    "entry_row",
    "journal_columns_sql",
    "verify_entries",
    "verify_journal",
]


#: The journal's columns in hashing order with their SQLite declarations.
#: Encoding version 1 fixes the order, so the schema (migration m002) may
#: build its table from this without ever drifting from what is hashed.
JOURNAL_SCHEMA: tuple[tuple[str, str], ...] = (
    ("seq", "INTEGER PRIMARY KEY"),
    ("customer_id", "INTEGER NOT NULL"),
    ("operation_id", "INTEGER NOT NULL"),
    ("type", "INTEGER NOT NULL"),
    ("account", "TEXT NOT NULL CHECK (account IN ('cash','bonus','points'))"),
    ("amount", "INTEGER NOT NULL"),
    ("cash_after", "INTEGER"),
    ("bonus_after", "INTEGER"),
    ("points_after", "INTEGER"),
    ("receipt_no", "TEXT"),
    ("actor", "TEXT NOT NULL"),
    ("reason", "TEXT"),
    ("reverses", "INTEGER"),
    ("created_at", "TEXT NOT NULL"),
)

#: The journal's columns in hashing order (``hash`` excluded); rows given to
#: ``chain_hashes`` / ``verify_entries`` are tuples in this order.
JOURNAL_COLUMNS: tuple[str, ...] = tuple(name for name, _ in JOURNAL_SCHEMA)


def journal_columns_sql(*, operation_fk: bool = True, indent: str = " " * 12) -> str:
    """The column list of ``CREATE TABLE journal (…)``, ``hash`` last; with
    ``operation_fk`` ``operation_id`` references ``operations(id)``."""
    fk = " REFERENCES operations(id)"
    lines = [
        f"{name:<12} {decl}{fk if operation_fk and name == 'operation_id' else ''}"
        for name, decl in (*JOURNAL_SCHEMA, ("hash", "BLOB NOT NULL"))
    ]
    return f",\n{indent}".join(lines)


class CreditType(IntEnum):
    """Credit journal type codes (SPEC §2, fixed)."""

    TOPUP = 0
    USAGE = 1
    CORRECTION = 2
    BONUS_TOPUP = 3
    BONUS_USAGE = 4
    PAYOUT = 5


class PointsType(IntEnum):
    """Points journal type codes (SPEC §2, fixed)."""

    EARNED = 0
    REDEEMED = 1
    CORRECTION = 2


def entry_hash(prev_hash: bytes, *row: Any) -> bytes:
    """The hash of one journal row (``JOURNAL_COLUMNS`` order, without
    ``hash``) chained from ``prev_hash``: ``chain_hashes`` of that one row."""
    return _core.chain_hashes(prev_hash, [row])[0]


def entry_row(
    posting: Posting,
    *,
    seq: int,
    customer_id: int,
    operation_id: int,
    actor: str,
    created_at: str,
    receipt_no: str | None = None,
    reason: str | None = None,
    reverses: int | None = None,
) -> tuple[Any, ...]:
    """A journal row (``JOURNAL_COLUMNS`` order, without ``hash``) for one
    posting of an operation result; hash it with ``entry_hash(prev, *row)``
    or several at once with ``chain_hashes(prev, rows)``."""
    return (
        seq,
        customer_id,
        operation_id,
        posting.code,
        posting.account,
        posting.amount,
        posting.cash_after,
        posting.bonus_after,
        posting.points_after,
        receipt_no,
        actor,
        reason,
        reverses,
        created_at,
    )


def verify_entries(
    rows: Iterable[tuple[Any, ...]],
    balances: Mapping[int, tuple[int, int, int]] | None = None,
) -> VerifyReport:
    """Verifies in-memory journal rows (``JOURNAL_COLUMNS`` order + ``hash``)
    in ``seq`` order; with ``balances`` (``{customer_id: (cash, bonus,
    points)}``) the replay is also compared to them."""
    return _core.verify_entries(rows, None if balances is None else dict(balances))


def verify_journal(
    db_path: str | os.PathLike[str],
    progress: Callable[[int], object] | None = None,
    *,
    threads: int = 0,
    method: str = "auto",
) -> VerifyReport:
    """Verifies the journal of the SQLite file at ``db_path`` (read-only, one
    read transaction, streamed in Rust without the GIL): the hash chain, every
    entry's ``*_after`` columns against the replay, and the ``balances`` table
    against the replayed balances. ``progress(entries_done)`` is called every
    65,536 entries and at the end; an exception from it stops verification.
    ``threads``: reader threads (0 = one per core, at most 8; 1 = only the
    calling thread). ``method``: "pages" reads the journal table's b-tree
    pages straight from the file (about twice as fast), possible when the file
    alone holds the snapshot (rollback-journal mode, or WAL fully
    checkpointed); "sql" reads through SQLite; "auto" (default) uses pages
    when possible, else SQL. ``report.reader`` says which was used;
    ``report.head_hash`` is the hash of the last entry when ``ok`` (the
    service can compare it with its own chain head). Raises StoreError (a
    RuntimeError) when the file cannot be read (or "pages" is impossible)."""
    path = os.fspath(db_path)
    stopped: list[BaseException] = []

    def report(done: int) -> object:
        assert progress is not None
        try:
            return progress(done)
        except BaseException as e:  # the caller's own exception, passed on untouched
            stopped.append(e)
            raise

    try:
        return _core.verify_journal(path, report if progress else None, threads, method)
    except RuntimeError as e:
        if isinstance(e, StoreError) or any(e is s for s in stopped):
            raise
        raise StoreError(str(e), path=path) from e
