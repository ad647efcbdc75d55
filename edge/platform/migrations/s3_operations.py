"""Money indexes, the print outbox, fewer pages written per operation."""

from __future__ import annotations

import sqlite_utils

from edge.platform.migrations.registry import migrations, run_script


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
def m007_mail_outbox(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        -- The SMTP outbox (edge/mail): a mail is written in the transaction of
        -- what it reports (an issued invoice), the worker sends it after commit.
        -- "sending" is committed before the DATA command: a row found in it at
        -- start may have been accepted by the server and becomes "uncertain".
        CREATE TABLE mail_outbox (
            id              INTEGER PRIMARY KEY,
            message_id      TEXT NOT NULL UNIQUE,       -- RFC 5322 Message-ID, <…@…>
            recipient       TEXT NOT NULL,
            subject         TEXT NOT NULL,
            body            TEXT NOT NULL,              -- text/plain
            state           TEXT NOT NULL DEFAULT 'queued'
                            CHECK (state IN ('queued','sending','sent','retrying','failed',
                                             'uncertain')),
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL DEFAULT 0,    -- unix time
            last_error      TEXT,
            ref_kind        TEXT NOT NULL DEFAULT '',   -- e.g. invoice
            ref_id          TEXT NOT NULL DEFAULT '',
            idempotency     TEXT UNIQUE,                -- same key: same row, one mail
            created_at      TEXT NOT NULL,
            queued_at       REAL NOT NULL,              -- unix time; give_up_s counts from here
            updated_at      TEXT NOT NULL,
            sent_at         TEXT
        );
        CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at)
            WHERE state IN ('queued','retrying');
        CREATE INDEX mail_outbox_ref ON mail_outbox (ref_kind, ref_id) WHERE ref_id != '';
        CREATE TABLE mail_attachments (
            id          INTEGER PRIMARY KEY,
            mail_id     INTEGER NOT NULL REFERENCES mail_outbox (id),
            position    INTEGER NOT NULL,
            name        TEXT NOT NULL,
            mime        TEXT NOT NULL,              -- e.g. application/pdf
            content     BLOB NOT NULL,
            UNIQUE (mail_id, position)
        );
        """,
    )
