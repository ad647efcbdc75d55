"""Versioned schema, applied at start (``sqlite_utils.Migrations``).

Migrations are append-only: a released migration is never edited, a change
is a new function below the others. Each runs in its own transaction together
with the record that it ran, so a crash mid-upgrade leaves the previous
version intact.
"""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from edge.ledger.journal import journal_columns_sql
from edge.platform.db import connect

migrations = Migrations("tilledge")


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run DDL statement by statement: ``executescript`` would COMMIT first and
    break the migration's transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement!r}")


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


@migrations()
def m003_customers(db: sqlite_utils.Database) -> None:
    """Customer base (SPEC §6): customers, groups, cards, change history, search.

    Search keys (``*_key``) are stored folded (lower case, no accents) next to
    the values so as-you-type search is a B-tree prefix range; phone numbers
    are matched by prefix (customer_phones) and by 4-digit windows (customer_phone_grams).
    """
    run_script(
        db,
        """
        CREATE TABLE customer_groups (
            id                       INTEGER PRIMARY KEY,
            name                     TEXT NOT NULL UNIQUE COLLATE NOCASE,
            default_discount_percent INTEGER CHECK (default_discount_percent BETWEEN 0 AND 100),
            color                    TEXT,
            sort_order               INTEGER NOT NULL DEFAULT 0,
            created_at               TEXT NOT NULL,
            updated_at               TEXT NOT NULL
        );
        CREATE TABLE customers (
            id                     INTEGER PRIMARY KEY,
            customer_number        INTEGER NOT NULL UNIQUE,
            type                   TEXT NOT NULL CHECK (type IN ('individual','business')),
            status                 TEXT NOT NULL DEFAULT 'active'
                                   CHECK (status IN ('active','inactive')),
            display_name           TEXT NOT NULL,
            title                  TEXT,
            first_name             TEXT,
            last_name              TEXT,
            alias                  TEXT,
            gender                 TEXT,
            date_of_birth          TEXT,
            social_security_number TEXT,
            email                  TEXT,
            invoice_email          TEXT,
            phone                  TEXT,
            business_phone         TEXT,
            mobile                 TEXT,
            fax                    TEXT,
            whatsapp               TEXT,
            whatsapp_opt_in        INTEGER NOT NULL DEFAULT 0,
            homepage               TEXT,
            newsletter_opt_in      INTEGER NOT NULL DEFAULT 0,
            email_invoices         INTEGER NOT NULL DEFAULT 0,
            preferred_language     TEXT,
            street                 TEXT,
            house_number           TEXT,
            postal_code            TEXT,
            city                   TEXT,
            country                TEXT,
            care_of                TEXT,
            po_box                 TEXT,
            latitude               REAL,
            longitude              REAL,
            company_name           TEXT,
            vat_id                 TEXT,
            tax_id                 TEXT,
            registration_number    TEXT,
            business_type          TEXT,
            industry               TEXT,
            group_id               INTEGER REFERENCES customer_groups(id),
            segment                TEXT,
            discount_percent       INTEGER CHECK (discount_percent BETWEEN 0 AND 100),
            price_level            INTEGER,
            credit_limit           INTEGER,
            allow_invoice_payment  INTEGER NOT NULL DEFAULT 0,
            do_not_dun             INTEGER NOT NULL DEFAULT 0,
            payment_terms_days     INTEGER,
            payment_method         TEXT,
            net_mode               INTEGER NOT NULL DEFAULT 0,
            iban                   TEXT,
            bic                    TEXT,
            bank_name              TEXT,
            sepa_mandate_reference TEXT,
            sepa_mandate_date      TEXT,
            favourite              INTEGER NOT NULL DEFAULT 0,
            blocked                INTEGER NOT NULL DEFAULT 0,
            lock_text              TEXT,
            loss_reason            TEXT,
            notes                  TEXT,
            memo                   TEXT CHECK (length(memo) <= 200),
            is_employee            INTEGER NOT NULL DEFAULT 0,
            is_debtor              INTEGER NOT NULL DEFAULT 0,
            points_blocked         INTEGER NOT NULL DEFAULT 0,
            merged_into            INTEGER,  -- the merge target (no FK: keeps bulk deletes O(n))
            last_visit             TEXT,
            created_at             TEXT NOT NULL,
            created_by             TEXT NOT NULL,
            updated_at             TEXT NOT NULL,
            updated_by             TEXT NOT NULL,
            -- search keys (folded), maintained by edge.customers.records
            fl_key                 TEXT NOT NULL DEFAULT '',   -- "first last"
            lf_key                 TEXT NOT NULL DEFAULT '',   -- "last first"
            company_key            TEXT NOT NULL DEFAULT '',
            email_key              TEXT NOT NULL DEFAULT '',
            phone_digits           TEXT NOT NULL DEFAULT ''    -- E.164 digits, space separated
        );
        -- Partial indexes: empty keys (no company, no e-mail) cost nothing.
        CREATE INDEX customers_fl_key ON customers (fl_key) WHERE fl_key != '';
        CREATE INDEX customers_lf_key ON customers (lf_key) WHERE lf_key != '';
        CREATE INDEX customers_company_key ON customers (company_key) WHERE company_key != '';
        CREATE INDEX customers_email_key ON customers (email_key) WHERE email_key != '';
        CREATE INDEX customers_group ON customers (group_id);
        CREATE INDEX customers_ssn ON customers (social_security_number)
            WHERE social_security_number IS NOT NULL;
        CREATE INDEX customers_merged_into ON customers (merged_into)
            WHERE merged_into IS NOT NULL;
        -- Up to 1,000,000 characters: kept out of the customers row so scans stay small.
        CREATE TABLE customer_third_party_memos (
            customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
            text        TEXT NOT NULL CHECK (length(text) <= 1000000)
        );
        -- Every phone number of a customer as E.164 digits: exact match (duplicates)
        -- and prefix ranges for numbers typed in national or international form.
        CREATE TABLE customer_phones (
            digits      TEXT NOT NULL,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            PRIMARY KEY (digits, customer_id)
        ) WITHOUT ROWID;
        CREATE INDEX customer_phones_customer ON customer_phones (customer_id);
        -- Digit fragments anywhere in a number: every 4-digit window of every number,
        -- with the number itself so a fragment is verified without touching customers.
        -- A plain B-tree rather than FTS5: FTS5 segment merges put 30-600 ms stalls
        -- into single inserts at a million customers; this stays flat.
        CREATE TABLE customer_phone_grams (
            gram        TEXT NOT NULL,
            customer_id INTEGER NOT NULL,
            digits      TEXT NOT NULL,
            PRIMARY KEY (gram, customer_id, digits)
        ) WITHOUT ROWID;
        CREATE TABLE cards (
            id           INTEGER PRIMARY KEY,
            uid          TEXT NOT NULL UNIQUE,             -- upper-case hex, no separators
            customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            status       TEXT NOT NULL DEFAULT 'active'
                         CHECK (status IN ('active','blocked','lost')),
            deposit_paid INTEGER NOT NULL DEFAULT 0,
            created_at   TEXT NOT NULL,
            created_by   TEXT NOT NULL,
            status_at    TEXT,
            status_by    TEXT
        );
        CREATE INDEX cards_customer ON cards (customer_id);
        -- Every change of a customer record: who, when, which field, old, new (JSON).
        CREATE TABLE customer_history (
            id          INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            at          TEXT NOT NULL,
            actor       TEXT NOT NULL,
            field       TEXT NOT NULL,
            old         TEXT,
            new         TEXT
        );
        CREATE INDEX customer_history_customer ON customer_history (customer_id, id);
        """,
    )


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
