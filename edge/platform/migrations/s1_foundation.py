"""The first release: box metadata, terminals and staff, the journal, pairing and panel sessions."""

from __future__ import annotations

import secrets

import sqlite_utils

from edge.ledger.journal import journal_columns_sql
from edge.platform.migrations.registry import migrations, run_script


@migrations()
def m001_foundation(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE box_meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        -- POS terminals and their API tokens (sha256 of a 256-bit random token).
        CREATE TABLE terminals (
            id          INTEGER PRIMARY KEY,
            name        TEXT NOT NULL,
            scopes      TEXT NOT NULL,            -- comma separated
            token_hash  TEXT NOT NULL UNIQUE,
            created_at  TEXT NOT NULL,
            revoked_at  TEXT
        );
        -- Staff accounts for the panel (argon2 hashes, optional TOTP).
        CREATE TABLE users (
            id             INTEGER PRIMARY KEY,
            name           TEXT NOT NULL UNIQUE COLLATE NOCASE,
            role           TEXT NOT NULL CHECK (role IN ('cashier','manager','admin')),
            password_hash  TEXT NOT NULL,
            totp_secret    TEXT,
            totp_last_step INTEGER,
            failed_logins  INTEGER NOT NULL DEFAULT 0,
            locked_until   TEXT,
            created_at     TEXT NOT NULL,
            disabled       INTEGER NOT NULL DEFAULT 0
        );
        """,
    )
    db.execute("INSERT INTO box_meta (key, value) VALUES ('box_id', ?)", [secrets.token_hex(8)])


@migrations()
def m002_ledger(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        -- Cached balances; always equal to the journal's replay (ledger verify).
        CREATE TABLE balances (
            customer_id INTEGER PRIMARY KEY,
            cash        INTEGER NOT NULL DEFAULT 0 CHECK (cash >= 0),
            bonus       INTEGER NOT NULL DEFAULT 0 CHECK (bonus >= 0),
            points      INTEGER NOT NULL DEFAULT 0 CHECK (points >= 0)
        );
        -- One money operation (top-up, payment, refund, ...); it may write several entries.
        CREATE TABLE operations (
            id           INTEGER PRIMARY KEY,
            kind         TEXT NOT NULL,
            customer_id  INTEGER NOT NULL,
            amount       INTEGER NOT NULL,
            receipt_no   TEXT,
            actor        TEXT NOT NULL,
            ref_id       INTEGER REFERENCES operations(id),
            details      TEXT NOT NULL DEFAULT '{}',
            created_at   TEXT NOT NULL
        );
        CREATE INDEX operations_customer ON operations (customer_id, id);
        CREATE INDEX operations_ref ON operations (ref_id);
        -- Append-only journal. seq is the box-wide order of the hash chain:
        -- hash = sha256(previous hash || canonical encoding of this entry).
        -- account 'points' rows use the points type codes and points_after;
        -- cash/bonus rows use the credit codes and cash_after/bonus_after.
        CREATE TABLE journal (
            """
        + journal_columns_sql()
        + """
        );
        CREATE INDEX journal_customer ON journal (customer_id, seq);
        CREATE INDEX journal_operation ON journal (operation_id);
        CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
            BEGIN SELECT RAISE(ABORT, 'journal entries are never updated'); END;
        CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
            BEGIN SELECT RAISE(ABORT, 'journal entries are never deleted'); END;
        -- Exactly-once: the first response to a key, replayed for repeats.
        CREATE TABLE idempotency_keys (
            scope        TEXT NOT NULL,        -- the token/actor the key belongs to
            key          TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            status       INTEGER NOT NULL,
            response     TEXT NOT NULL,
            created_at   TEXT NOT NULL,
            PRIMARY KEY (scope, key)
        );
        CREATE INDEX idempotency_created ON idempotency_keys (created_at);
        -- Purchase history (SPEC §5): one row per checkout.
        CREATE TABLE purchases (
            id            INTEGER PRIMARY KEY,
            customer_id   INTEGER NOT NULL,
            operation_id  INTEGER NOT NULL REFERENCES operations(id),
            receipt_no    TEXT,
            total         INTEGER NOT NULL,
            points_earned INTEGER NOT NULL DEFAULT 0,
            lines         TEXT NOT NULL DEFAULT '[]',
            created_at    TEXT NOT NULL
        );
        CREATE INDEX purchases_customer ON purchases (customer_id, id);
        """,
    )


@migrations()
def m_security_pairing_sessions(db: sqlite_utils.Database) -> None:
    """Pairing codes, failed-attempt log for throttling, panel sessions, and
    the per-box secret that signs panel cookies (never hard-coded)."""
    run_script(
        db,
        """
        -- Short single-use codes a terminal exchanges for a token (POST /pair).
        CREATE TABLE pairing_codes (
            id          INTEGER PRIMARY KEY,
            code_hash   TEXT NOT NULL UNIQUE,     -- sha256 of the normalised code
            name        TEXT,
            scopes      TEXT NOT NULL,
            created_at  REAL NOT NULL,            -- unix seconds
            expires_at  REAL NOT NULL,
            used_at     REAL,
            terminal_id INTEGER REFERENCES terminals(id)
        );
        -- Failed logins / pairing attempts per client, for throttling.
        CREATE TABLE auth_failures (
            id       INTEGER PRIMARY KEY,
            kind     TEXT NOT NULL,               -- 'login' | 'pair'
            subject  TEXT NOT NULL,               -- client address
            at       REAL NOT NULL
        );
        CREATE INDEX auth_failures_subject ON auth_failures (kind, subject, at);
        -- Server-side panel sessions; the cookie holds a random id, this its hash.
        CREATE TABLE web_sessions (
            id_hash     TEXT PRIMARY KEY,
            user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at  REAL NOT NULL,
            expires_at  REAL NOT NULL
        );
        CREATE INDEX web_sessions_user ON web_sessions (user_id);
        """,
    )
    db.execute(
        "INSERT OR IGNORE INTO box_meta (key, value) VALUES ('web_secret', ?)",
        [secrets.token_hex(32)],
    )
