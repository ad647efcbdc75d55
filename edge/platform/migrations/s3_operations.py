"""Money indexes, the print outbox, fewer pages written per operation."""

from __future__ import annotations

import sqlite_utils

from edge.platform import sealing
from edge.platform.migrations.registry import migrations, run_script
from edge.platform.text import first_free


@migrations()
def m004_money_indexes(db: sqlite_utils.Database) -> None:
    """A receipt is checked out once: look it up by index, not by scanning."""
    run_script(
        db,
        """
        CREATE INDEX operations_checkout_receipt ON operations (receipt_no)
            WHERE kind = 'checkout';
        """,
    )


@migrations()
def m005_print_outbox(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        -- Persistent print outbox (edge/printing.py): a job is written in the same
        -- transaction as the operation it prints, the worker prints after commit.
        CREATE TABLE print_jobs (
            id              INTEGER PRIMARY KEY,
            kind            TEXT NOT NULL,              -- checkout, topup, payout, status, text
            source_id       TEXT,                       -- e.g. the checkout id
            document        TEXT NOT NULL,              -- drivers.receipts.Document as JSON
            state           TEXT NOT NULL DEFAULT 'queued'
                            CHECK (state IN ('queued','printing','printed','failed')),
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL DEFAULT 0,    -- unix time
            last_error      TEXT,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            printed_at      TEXT
        );
        CREATE INDEX print_jobs_open ON print_jobs (id) WHERE state IN ('queued','printing');
        CREATE INDEX print_jobs_source ON print_jobs (kind, source_id) WHERE source_id IS NOT NULL;
        """,
    )


@migrations()
def m006_fewer_pages_per_operation(db: sqlite_utils.Database) -> None:
    """Every index a money operation updates is one more page written and
    synced per commit. Most operations have no ref_id, and idempotency keys are
    purged in insertion order (edge/retention.py), so neither index needs an
    entry per operation."""
    run_script(
        db,
        """
        DROP INDEX operations_ref;
        CREATE INDEX operations_ref ON operations (ref_id) WHERE ref_id IS NOT NULL;
        DROP INDEX idempotency_created;
        """,
    )


@migrations()
def m007_unique_terminal_names(db: sqlite_utils.Database) -> None:
    """Idempotency keys belong to a terminal's id, and names become unique.

    Keys stored under ``terminal:NAME`` move to ``terminal:ID`` where the
    name was one terminal's; a name several terminals shared cannot be
    attributed, so those keys stay behind and age out (retention). Later
    duplicates are renamed ``NAME (n)`` like pairing does from now on.
    """
    rows = db.execute("SELECT id, name FROM terminals ORDER BY id").fetchall()
    by_name: dict[str, list[int]] = {}
    for tid, name in rows:
        by_name.setdefault(str(name).casefold(), []).append(int(tid))
    for tid, name in rows:
        if len(by_name[str(name).casefold()]) == 1:
            db.execute(
                "UPDATE idempotency_keys SET scope = ? WHERE scope = ?",
                [f"terminal:{tid}", f"terminal:{name}"],
            )
    taken = {str(name).casefold() for _, name in rows}
    seen: set[str] = set()
    for tid, name in rows:
        folded = str(name).casefold()
        if folded not in seen:
            seen.add(folded)
            continue
        new = first_free(str(name), taken)
        taken.add(new.casefold())
        db.execute("UPDATE terminals SET name = ? WHERE id = ?", [new, tid])
    run_script(db, "CREATE UNIQUE INDEX terminals_name ON terminals (name COLLATE NOCASE);")


@migrations()
def m008_totp_secrets_sealed(db: sqlite_utils.Database) -> None:
    """TOTP secrets sealed with the data dir's key (edge/platform/sealing.py):
    a copy of the database alone no longer holds any second factor."""
    path = sealing.db_file(db.conn)
    rows = db.execute(
        "SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL"
        " AND totp_secret NOT LIKE ?",
        [sealing.PREFIX + "%"],
    ).fetchall()
    for uid, secret in rows:
        db.execute(
            "UPDATE users SET totp_secret = ? WHERE id = ?", [sealing.seal(path, secret), uid]
        )
