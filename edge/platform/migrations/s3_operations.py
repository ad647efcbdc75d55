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
def m007_invoices(db: sqlite_utils.Database) -> None:
    """The house account (BACKOFFICE §8): invoices and credit notes, their
    lines and payments, and the counters their gapless numbers come from.
    Their history goes to customer_history (field ``invoice``)."""
    run_script(
        db,
        """
        CREATE TABLE invoices (
            id                   INTEGER PRIMARY KEY,
            number               TEXT UNIQUE,            -- NULL until issued
            kind                 TEXT NOT NULL DEFAULT 'invoice'
                                 CHECK (kind IN ('invoice','credit_note')),
            customer_id          INTEGER NOT NULL REFERENCES customers(id),
            state                TEXT NOT NULL DEFAULT 'draft'
                                 CHECK (state IN ('draft','open','partly_paid','paid','cancelled')),
            issue_date           TEXT,                   -- box time zone, YYYY-MM-DD
            delivery_date        TEXT,
            due_date             TEXT,
            net_mode             INTEGER NOT NULL DEFAULT 0,
            net                  INTEGER NOT NULL DEFAULT 0,
            vat                  INTEGER NOT NULL DEFAULT 0,
            gross                INTEGER NOT NULL DEFAULT 0,
            prepaid              INTEGER NOT NULL DEFAULT 0, -- paid at the till by other tenders
            principal            INTEGER NOT NULL DEFAULT 0, -- owed: gross - prepaid
            principal_paid       INTEGER NOT NULL DEFAULT 0,
            fees                 INTEGER NOT NULL DEFAULT 0,
            fees_paid            INTEGER NOT NULL DEFAULT 0,
            interest             INTEGER NOT NULL DEFAULT 0,
            interest_paid        INTEGER NOT NULL DEFAULT 0,
            dunning_level        INTEGER NOT NULL DEFAULT 0,
            dunned_on            TEXT,                   -- the last reminder's day
            interest_until       TEXT,                   -- interest charged up to this day
            sepa_state           TEXT CHECK (sepa_state IN ('pending','collected','returned')),
            preceding_invoice_id INTEGER REFERENCES invoices(id),
            operation_id         INTEGER REFERENCES operations(id), -- the checkout
            notes                TEXT,
            document_json        TEXT,                   -- the InvoiceDocument, frozen at issue
            pdf                  BLOB,
            xml                  BLOB,
            created_at           TEXT NOT NULL,
            created_by           TEXT NOT NULL,
            updated_at           TEXT NOT NULL,
            updated_by           TEXT NOT NULL,
            CHECK (principal_paid <= principal AND fees_paid <= fees
                   AND interest_paid <= interest OR kind = 'credit_note')
        );
        CREATE INDEX invoices_customer ON invoices (customer_id, id);
        CREATE INDEX invoices_owed ON invoices (due_date)
            WHERE state IN ('open','partly_paid');
        CREATE INDEX invoices_preceding ON invoices (preceding_invoice_id)
            WHERE preceding_invoice_id IS NOT NULL;
        -- GoBD: a number, once given, never changes and its invoice is never deleted.
        CREATE TRIGGER invoices_number_fixed BEFORE UPDATE OF number ON invoices
            WHEN OLD.number IS NOT NULL AND NEW.number IS NOT OLD.number
            BEGIN SELECT RAISE(ABORT, 'an invoice number never changes'); END;
        CREATE TRIGGER invoices_issued_kept BEFORE DELETE ON invoices
            WHEN OLD.number IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'an issued invoice is never deleted'); END;
        CREATE TABLE invoice_lines (
            id               INTEGER PRIMARY KEY,
            invoice_id       INTEGER NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
            position         INTEGER NOT NULL,
            sku              TEXT,
            name             TEXT,
            quantity         TEXT NOT NULL,
            unit_price       INTEGER NOT NULL,           -- gross, as at the till
            vat_rate_bp      INTEGER NOT NULL,
            discountable     INTEGER NOT NULL DEFAULT 1,
            gross            INTEGER NOT NULL,
            discount_percent INTEGER NOT NULL DEFAULT 0,
            discount         INTEGER NOT NULL DEFAULT 0,
            total            INTEGER NOT NULL,
            UNIQUE (invoice_id, position)
        );
        CREATE TABLE invoice_payments (
            id           INTEGER PRIMARY KEY,
            invoice_id   INTEGER NOT NULL REFERENCES invoices(id),
            method       TEXT NOT NULL
                         CHECK (method IN ('cash','transfer','card','sepa','credit')),
            amount       INTEGER NOT NULL CHECK (amount > 0),
            to_fees      INTEGER NOT NULL,
            to_interest  INTEGER NOT NULL,
            to_principal INTEGER NOT NULL,
            operation_id INTEGER REFERENCES operations(id), -- a credit payment's journal operation
            reference    TEXT,
            created_at   TEXT NOT NULL,
            created_by   TEXT NOT NULL
        );
        CREATE INDEX invoice_payments_invoice ON invoice_payments (invoice_id, id);
        -- Reminders (BACKOFFICE §9): what each said was owed, and by when.
        CREATE TABLE dunning_notices (
            id          INTEGER PRIMARY KEY,
            invoice_id  INTEGER NOT NULL REFERENCES invoices(id),
            level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
            run_date    TEXT NOT NULL,
            principal   INTEGER NOT NULL,
            fees        INTEGER NOT NULL,
            interest    INTEGER NOT NULL,
            fee_charged INTEGER NOT NULL,
            interest_charged INTEGER NOT NULL,
            deadline    TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            created_by  TEXT NOT NULL,
            UNIQUE (invoice_id, level)
        );
        -- The last number given per format and year (year 0: a format without {year}).
        CREATE TABLE invoice_counters (
            format   TEXT NOT NULL,
            year     INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            PRIMARY KEY (format, year)
        );
        """,
    )


@migrations()
def m008_unique_terminal_names(db: sqlite_utils.Database) -> None:
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
def m009_totp_secrets_sealed(db: sqlite_utils.Database) -> None:
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


@migrations()
def m010_reminder_pdfs(db: sqlite_utils.Database) -> None:
    """A reminder letter, once rendered, is kept with its notice."""
    run_script(db, "ALTER TABLE dunning_notices ADD COLUMN pdf BLOB;")


@migrations()
def m011_mail_outbox(db: sqlite_utils.Database) -> None:
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


@migrations()
def m012_subscriptions(db: sqlite_utils.Database) -> None:
    """Subscriptions (BACKOFFICE §10): each billed period is a row of
    subscription_periods, unique per (subscription, period start), so the
    database itself refuses a second invoice for a period. Pauses are kept
    as intervals: a period starting in one is skipped, never billed later.

    An issued subscription invoice with the SEPA flag waits for a collection
    file as ``sepa_state = 'due'``: the column's CHECK is widened in place
    (SQLite's documented way for a looser constraint, ALTER TABLE §7 — the
    stored rows need no change)."""
    run_script(
        db,
        """
        CREATE TABLE subscriptions (
            id           INTEGER PRIMARY KEY,
            customer_id  INTEGER NOT NULL REFERENCES customers(id),
            description  TEXT NOT NULL,
            amount       INTEGER NOT NULL CHECK (amount > 0),  -- gross, minor units
            vat_rate_bp  INTEGER NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
            interval     TEXT NOT NULL CHECK (interval IN ('monthly','quarterly','annually')),
            start_date   TEXT NOT NULL,                         -- YYYY-MM-DD
            end_date     TEXT,                                  -- no period starts on or after it
            sepa         INTEGER NOT NULL DEFAULT 0,
            net_mode     INTEGER NOT NULL DEFAULT 0,
            status       TEXT NOT NULL DEFAULT 'active'
                         CHECK (status IN ('active','paused','cancelled')),
            cancel_at    TEXT,                      -- cancelled: the last day billed for
            created_at   TEXT NOT NULL,
            created_by   TEXT NOT NULL,
            updated_at   TEXT NOT NULL,
            updated_by   TEXT NOT NULL,
            CHECK (end_date IS NULL OR end_date > start_date)
        );
        CREATE INDEX subscriptions_customer ON subscriptions (customer_id, id);
        CREATE TABLE subscription_periods (
            id              INTEGER PRIMARY KEY,
            subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
            period_start    TEXT NOT NULL,
            period_end      TEXT NOT NULL,
            invoice_id      INTEGER NOT NULL REFERENCES invoices(id),
            created_at      TEXT NOT NULL,
            UNIQUE (subscription_id, period_start)
        );
        CREATE TABLE subscription_pauses (
            id              INTEGER PRIMARY KEY,
            subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
            paused_from     TEXT NOT NULL,  -- periods starting from this day are skipped …
            resumed_on      TEXT,           -- … up to the day before this one (NULL: paused)
            created_at      TEXT NOT NULL,
            created_by      TEXT NOT NULL
        );
        CREATE INDEX subscription_pauses_sub ON subscription_pauses (subscription_id, id);
        CREATE UNIQUE INDEX subscription_pauses_open ON subscription_pauses (subscription_id)
            WHERE resumed_on IS NULL;
        """,
    )
    (version,) = db.execute("PRAGMA schema_version").fetchone()
    db.execute("PRAGMA writable_schema = ON")
    db.execute(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = ?",
        [
            "sepa_state IN ('pending','collected','returned')",
            "sepa_state IN ('due','pending','collected','returned')",
            "invoices",
        ],
    )
    db.execute(f"PRAGMA schema_version = {int(version) + 1}")
    db.execute("PRAGMA writable_schema = OFF")


@migrations()
def m013_customer_documents(db: sqlite_utils.Database) -> None:
    """Documents per customer (BACKOFFICE §11); the bytes live under
    ``<data_dir>/documents/`` by SHA-256 (edge/customers/documents)."""
    run_script(
        db,
        """
        CREATE TABLE customer_documents (
            id           INTEGER PRIMARY KEY,
            customer_id  INTEGER NOT NULL REFERENCES customers(id),
            title        TEXT NOT NULL,
            filename     TEXT NOT NULL,
            size         INTEGER NOT NULL CHECK (size > 0),
            media_type   TEXT NOT NULL,
            sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
            uploaded_by  TEXT NOT NULL,
            created_at   TEXT NOT NULL,
            deleted_at   TEXT,                  -- soft delete: the row and its history stay
            deleted_by   TEXT
        );
        CREATE INDEX customer_documents_live ON customer_documents (customer_id, id)
            WHERE deleted_at IS NULL;
        CREATE INDEX customer_documents_sha ON customer_documents (sha256);
        """,
    )


@migrations()
def m014_delivery_addresses(db: sqlite_utils.Database) -> None:
    """Delivery addresses (BACKOFFICE §11) with their geodata state, the
    geocoder's cache keyed by the normalised address, and the address a
    purchase was delivered to. At most one default per customer is kept by a
    partial unique index, so no code path can leave two."""
    run_script(
        db,
        """
        CREATE TABLE delivery_addresses (
            id            INTEGER PRIMARY KEY,
            customer_id   INTEGER NOT NULL REFERENCES customers(id),
            label         TEXT NOT NULL,
            street        TEXT,
            house_number  TEXT,
            postal_code   TEXT,
            city          TEXT,
            country       TEXT,
            latitude      REAL,
            longitude     REAL,
            geo_source    TEXT NOT NULL DEFAULT 'none'
                          CHECK (geo_source IN ('none','geocoder','manual')),
            -- none: no service configured or nothing to look up; pending: the
            -- worker will ask; found / not_found / failed: its last word.
            geo_state     TEXT NOT NULL DEFAULT 'none'
                          CHECK (geo_state IN ('none','pending','found','not_found','failed',
                                               'manual')),
            geo_key       TEXT,                 -- the normalised address last queued
            geo_attempts  INTEGER NOT NULL DEFAULT 0,
            geo_next_at   REAL NOT NULL DEFAULT 0,   -- unix time
            geo_error     TEXT,
            geocoded_at   TEXT,
            is_default    INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
            created_at    TEXT NOT NULL,
            created_by    TEXT NOT NULL,
            updated_at    TEXT NOT NULL,
            updated_by    TEXT NOT NULL,
            CHECK ((latitude IS NULL) = (longitude IS NULL))
        );
        CREATE INDEX delivery_addresses_customer ON delivery_addresses (customer_id, id);
        CREATE UNIQUE INDEX delivery_addresses_one_default ON delivery_addresses (customer_id)
            WHERE is_default = 1;
        CREATE INDEX delivery_addresses_geo_due ON delivery_addresses (geo_next_at)
            WHERE geo_state = 'pending';
        CREATE TABLE geocode_cache (
            key        TEXT PRIMARY KEY,      -- edge.customers.geocoding.address_key
            latitude   REAL,                  -- both NULL: the service found nothing
            longitude  REAL,
            fetched_at TEXT NOT NULL
        );
        ALTER TABLE purchases ADD COLUMN delivery_address_id INTEGER;
        ALTER TABLE purchases ADD COLUMN delivery_address TEXT;  -- one line, as at the sale
        """,
    )


@migrations()
def m015_gdpr(db: sqlite_utils.Database) -> None:
    """GDPR erasure (BACKOFFICE §11): one row per erased customer. The
    customer row stays (invoices and the journal keep pointing at it) under a
    pseudonym; this row says when and by whom, until when the law keeps what
    is left (``gdpr.retention_years``), and the erasure's answer, so a second
    erasure repeats it."""
    run_script(
        db,
        """
        CREATE TABLE customer_erasures (
            customer_id  INTEGER PRIMARY KEY REFERENCES customers(id),
            pseudonym    TEXT NOT NULL,
            erased_at    TEXT NOT NULL,
            erased_by    TEXT NOT NULL,
            retain_until TEXT NOT NULL,              -- YYYY-MM-DD
            answer       TEXT NOT NULL               -- JSON: the erasure's result
        );
        """,
    )


@migrations()
def m016_sepa(db: sqlite_utils.Database) -> None:
    """SEPA direct debit (BACKOFFICE §10, docs/sepa-collections.md).

    A mandate row follows the customer's SEPA fields (edge/sepa/mandates.py);
    ``amendment`` holds what the next file flags (the original reference /
    IBAN as last collected) and is cleared by the file that sends it. A file
    keeps its XML exactly as offered. One open (pending or confirmed)
    collection per invoice is the partial UNIQUE index: two files never
    collect the same invoice, whatever the writers do."""
    run_script(
        db,
        """
        CREATE TABLE sepa_mandates (
            id                INTEGER PRIMARY KEY,
            customer_id       INTEGER NOT NULL REFERENCES customers(id),
            reference         TEXT NOT NULL UNIQUE,
            signed_on         TEXT NOT NULL,                 -- YYYY-MM-DD
            scheme            TEXT NOT NULL DEFAULT 'CORE' CHECK (scheme = 'CORE'),
            status            TEXT NOT NULL DEFAULT 'active'
                              CHECK (status IN ('active','revoked','expired')),
            iban              TEXT NOT NULL,
            bic               TEXT,
            last_collected_on TEXT,                          -- a file's collection date
            amendment         TEXT,                          -- JSON, pending for the next file
            revoked_at        TEXT,
            revoked_reason    TEXT,
            created_at        TEXT NOT NULL,
            created_by        TEXT NOT NULL,
            updated_at        TEXT NOT NULL,
            updated_by        TEXT NOT NULL
        );
        CREATE INDEX sepa_mandates_customer ON sepa_mandates (customer_id, id);
        CREATE UNIQUE INDEX sepa_mandates_one_active ON sepa_mandates (customer_id)
            WHERE status = 'active';
        CREATE TABLE sepa_files (
            id          INTEGER PRIMARY KEY,
            message_id  TEXT NOT NULL UNIQUE,
            created_at  TEXT NOT NULL,
            created_by  TEXT NOT NULL,
            count       INTEGER NOT NULL CHECK (count > 0),
            control_sum INTEGER NOT NULL CHECK (control_sum > 0),   -- minor units
            xml         BLOB NOT NULL,
            sha256      TEXT NOT NULL,
            idempotency TEXT UNIQUE              -- same key: the same file, made once
        );
        CREATE TABLE sepa_collections (
            id              INTEGER PRIMARY KEY,
            file_id         INTEGER NOT NULL REFERENCES sepa_files(id),
            invoice_id      INTEGER NOT NULL REFERENCES invoices(id),
            mandate_id      INTEGER NOT NULL REFERENCES sepa_mandates(id),
            sequence        TEXT NOT NULL CHECK (sequence IN ('FRST','RCUR')),
            amount          INTEGER NOT NULL CHECK (amount > 0),
            collection_date TEXT NOT NULL,
            end_to_end_id   TEXT NOT NULL,
            state           TEXT NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending','confirmed','returned')),
            payment_id      INTEGER REFERENCES invoice_payments(id),  -- the booked sepa payment
            return_reason   TEXT,
            returned_at     TEXT,
            confirmed_at    TEXT,
            UNIQUE (file_id, end_to_end_id)
        );
        CREATE INDEX sepa_collections_file ON sepa_collections (file_id, id);
        CREATE UNIQUE INDEX sepa_collections_open ON sepa_collections (invoice_id)
            WHERE state IN ('pending','confirmed');
        -- A returned debit reverses its payment: the row stays, marked, and the
        -- invoice's paid parts go back (GoBD: nothing booked is deleted).
        ALTER TABLE invoice_payments ADD COLUMN reversed_at TEXT;
        ALTER TABLE invoice_payments ADD COLUMN reversed_reason TEXT;
        """,
    )
