"""The customer base (SPEC §6): customers, groups, cards, change history, search."""

from __future__ import annotations

import sqlite_utils

from edge.platform.migrations.registry import migrations, run_script


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
