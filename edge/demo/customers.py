"""Realistic demo customers (German and international), groups and cards.

``seed(box, count)`` fills a demo box (``tilledge demo``); :func:`bulk_insert`
is the fast path the benchmark uses to write a million customers straight
into the schema. Records are generated already normalised (E.164 phones,
valid IBANs, compact VAT IDs) and go through the same derived-column code
(:mod:`edge.customers.records`) as the API, so search behaves identically.
Generation is deterministic for a given seed.
"""

# ruff: noqa: SIM905 - word lists read better as one string each
from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from stdnum import iban as stdnum_iban

from edge.customers import records as r
from edge.customers import service
from edge.platform.box import Box
from edge.platform.clock import now_iso

FIRST_DE = (
    "Thomas Michael Andreas Stefan Peter Frank Markus Christian Jürgen Klaus Wolfgang Uwe "
    "Sabine Petra Monika Andrea Claudia Susanne Birgit Ursula Katrin Julia Anna Lea Lena "
    "Leonie Sophie Marie Hannah Emma Lukas Leon Finn Jonas Paul Felix Maximilian Elias Noah "
    "Jörg Björn Günter Jürgen Käthe Lütfiye Mareike Sönke Hauke Ines Heike Dörte Maik Sven"
).split()
FIRST_INTL = (
    "Mehmet Ayşe Fatma Emre Elif Can Zeynep Łukasz Agnieszka Katarzyna Piotr Małgorzata "
    "Giuseppe Giulia Marco Francesca Nikolaos Eleni Dimitrios Ahmed Fatima Mohammed Yusuf "
    "Aleksandr Olga Natalia Ivan Nguyen Linh Minh John Emily James Olivia Carlos María José "
    "Lucía Pierre Camille Amélie Søren Åsa Björk Zoë Chloé François Dragan Jelena Miloš"
).split()
LAST_DE = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
    "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann "
    "Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid Schulze Maier Köhler Herrmann "
    "König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn Schubert "
    "Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke "
    "Albrecht Schuster Simon Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein "
    "Jäger Otto Sommer Groß Seidel Heinrich Brandt Haas Schreiber Graf Dietrich Ziegler Kuhn "
    "Kühn Pohl Engel Horn Busch Bergmann Thomas Voigt Sauer Arnold Wolff Pfeiffer Gödecke"
).split()
LAST_INTL = (
    "Yılmaz Kaya Demir Şahin Çelik Öztürk Nowak Kowalski Wiśniewski Wójcik Rossi Russo "
    "Ferrari Esposito Bianchi Papadopoulos Georgiou Nguyen Tran Pham Ivanov Petrov Smirnov "
    "Al-Sayed Haddad Khalil Smith Johnson Williams Brown García Martínez López González "
    "Dubois Lefèvre Moreau Jensen Nielsen Andersson Johansson Hansen Novák Horváth Kovačević"
).split()
CITIES = (
    ("München", "80331", "+4989"),
    ("Berlin", "10115", "+4930"),
    ("Hamburg", "20095", "+4940"),
    ("Köln", "50667", "+49221"),
    ("Frankfurt am Main", "60311", "+4969"),
    ("Stuttgart", "70173", "+49711"),
    ("Düsseldorf", "40213", "+49211"),
    ("Leipzig", "04109", "+49341"),
    ("Nürnberg", "90402", "+49911"),
    ("Bremen", "28195", "+49421"),
)
STREETS = (
    "Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Goethestraße", "Am Markt",
    "Lindenallee", "Dorfstraße", "Bergstraße", "Kirchplatz", "Mühlenweg", "Rosenweg",
)  # fmt: skip
# (prefix, digits that follow): numbers that phonenumbers accepts as valid.
MOBILE_PREFIXES = (
    ("+49151", 8), ("+49160", 7), ("+49170", 7), ("+49171", 7), ("+49172", 7), ("+49176", 8),
    ("+49177", 8),
)  # fmt: skip
INTL_MOBILE = (
    ("+43664", 7), ("+41791", 6), ("+33612", 6), ("+48601", 6), ("+39347", 7), ("+90532", 7),
    ("+447400", 6),
)  # fmt: skip
COMPANY_FORMS = ("GmbH", "GmbH & Co. KG", "KG", "OHG", "e.K.", "AG", "UG (haftungsbeschränkt)")
COMPANY_TRADES = (
    "Bäckerei", "Metzgerei", "Elektro", "Autohaus", "Blumen", "Café", "Steuerberatung",
    "Getränke", "Malerbetrieb", "Friseursalon", "Zahnarztpraxis", "Reisebüro", "Optik",
)  # fmt: skip
# Valid EU VAT IDs for business customers (reverse charge when foreign).
VAT_IDS = ("DE136695976", "ATU13585627", "NL004495445B01", "FR40303265045", "BE0403170701")
BANKS = (("37040044", "COBADEFFXXX", "Commerzbank"), ("70150000", "SSKMDEMMXXX", "Stadtsparkasse"))
GROUPS = (
    ("Stammkunden", 5, "#2E7D32", 10),
    ("VIP", 10, "#C62828", 20),
    ("Mitarbeiter", 20, "#1565C0", 30),
    ("Firmenkunden", None, "#6A1B9A", 40),
    ("Studenten", 3, "#F9A825", 50),
)
EMAIL_DOMAINS = ("gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.com", "posteo.de")
_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i", "ş": "s", "ł": "l"})


def _slug(text: str) -> str:
    folded = r.fold(text.translate(_ASCII).lower())
    return "".join(c for c in folded if c.isalnum()) or "kunde"


def card_uid(n: int) -> str:
    """A unique 7-byte NFC UID for customer ``n`` (a bijection, so no collisions)."""
    return "04" + format((n * 0x9E3779B97F4A7) % (1 << 48), "012X")


def _iban(rng: random.Random) -> tuple[str, str, str]:
    blz, bic, bank = rng.choice(BANKS)
    account = f"{rng.randrange(10**10):010d}"
    check = stdnum_iban.calc_check_digits(f"DE00{blz}{account}")
    return f"DE{check}{blz}{account}", bic, bank


def generate(count: int, *, seed: int = 42, start: int = 1) -> Iterator[dict[str, Any]]:
    """``count`` customer records (normalised field values plus ``_cards``)."""
    rng = random.Random(seed)
    for i in range(start, start + count):
        intl = rng.random() < 0.25
        first = rng.choice(FIRST_INTL if intl else FIRST_DE)
        last = rng.choice(LAST_INTL if intl else LAST_DE)
        city, plz, area = rng.choice(CITIES)
        business = rng.random() < 0.15
        rec: dict[str, Any] = {
            "type": "business" if business else "individual",
            "first_name": first,
            "last_name": last,
            "street": rng.choice(STREETS),
            "house_number": str(rng.randint(1, 180)),
            "postal_code": plz,
            "city": city,
            "country": "DE",
            "newsletter_opt_in": rng.random() < 0.3,
            "preferred_language": "de" if not intl else rng.choice(("de", "en", "tr", "pl")),
        }
        if rng.random() < 0.7:
            rec["email"] = f"{_slug(first)}.{_slug(last)}{i}@{rng.choice(EMAIL_DOMAINS)}"
        if rng.random() < 0.5:
            rec["phone"] = f"{area}{rng.randint(1000000, 9999999)}"
        if rng.random() < 0.6:
            prefix, n = rng.choice(INTL_MOBILE if intl and rng.random() < 0.4 else MOBILE_PREFIXES)
            rec["mobile"] = f"{prefix}{rng.randrange(10 ** (n - 1), 10**n)}"
        if rng.random() < 0.4:
            rec["date_of_birth"] = date(
                rng.randint(1940, 2010), rng.randint(1, 12), rng.randint(1, 28)
            )
        if business:
            trade = rng.choice(COMPANY_TRADES)
            rec["company_name"] = (
                f"{trade} {last} {rng.choice(COMPANY_FORMS)}"
                if rng.random() < 0.7
                else f"{last} & {rng.choice(LAST_DE)} {rng.choice(COMPANY_FORMS)}"
            )
            rec["business_phone"] = f"{area}{rng.randint(1000000, 9999999)}"
            if rng.random() < 0.5:
                rec["vat_id"] = rng.choice(VAT_IDS)
            if rng.random() < 0.3:
                rec["iban"], rec["bic"], rec["bank_name"] = _iban(rng)
            rec["payment_terms_days"] = rng.choice((0, 14, 30))
        if rng.random() < 0.1:
            rec["discount_percent"] = rng.choice((0, 3, 5, 10, 15))
        if rng.random() < 0.01:
            rec["blocked"] = True
            rec["lock_text"] = "Bitte Rücksprache mit der Filialleitung"
        roll = rng.random()
        rec["_cards"] = (
            [card_uid(i)]
            if roll < 0.7
            else [card_uid(i), card_uid(i + 10**9)]
            if roll < 0.75
            else []
        )
        rec["_group"] = rng.choice((None, None, None, 0, 1, 2, 3, 4))
        yield rec


def ensure_groups(conn: sqlite3.Connection, now: str) -> list[int]:
    ids = []
    for name, pct, color, order in GROUPS:
        row = conn.execute("SELECT id FROM customer_groups WHERE name = ?", [name]).fetchone()
        if row is None:
            cur = conn.execute(
                "INSERT INTO customer_groups (name, default_discount_percent, color, sort_order,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                [name, pct, color, order, now, now],
            )
            ids.append(int(cur.lastrowid or 0))
        else:
            ids.append(int(row["id"] if isinstance(row, sqlite3.Row) else row[0]))
    return ids


def bulk_insert(
    conn: sqlite3.Connection,
    recs: Iterable[dict[str, Any]],
    *,
    first_number: int,
    groups: list[int],
    actor: str = "demo",
    now: str | None = None,
    batch: int = 20_000,
) -> int:
    """Insert generated records in large batches (no per-row validation).

    The caller owns the transaction. Returns the number of customers written;
    the customer-number counter is moved past them.
    """
    now = now or now_iso("seconds")
    max_id = conn.execute("SELECT coalesce(max(id), 0) FROM customers").fetchone()[0]
    rows: list[list[Any]] = []
    phones: list[tuple[int, str]] = []
    cards: list[tuple[str, int, str, str]] = []
    written = 0

    def flush() -> None:
        conn.executemany(r.INSERT_SQL, rows)
        conn.executemany(
            "INSERT OR IGNORE INTO customer_phone_grams (gram, customer_id, digits)"
            " VALUES (?, ?, ?)",
            [g for cid, joined in phones for g in r.gram_rows(cid, joined)],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO customer_phones (digits, customer_id) VALUES (?, ?)",
            [(d, cid) for cid, joined in phones for d in joined.split()],
        )
        conn.executemany(
            "INSERT INTO cards (uid, customer_id, status, deposit_paid, created_at, created_by)"
            " VALUES (?, ?, 'active', 1, ?, ?)",
            cards,
        )
        rows.clear()
        phones.clear()
        cards.clear()

    number = first_number
    for rec in recs:
        cid = max_id + written + 1
        record = {f: rec.get(f) for f in r.FIELDS}
        record["customer_number"] = number
        record["type"] = rec.get("type") or "individual"
        g = rec.get("_group")
        record["group_id"] = None if g is None else groups[g]
        for f in r.BOOL_FIELDS:
            record[f] = bool(rec.get(f, False))
        keys = r.derived(record)
        row = [r.to_db(f, record[f]) for f in r.ROW_FIELDS]
        row += [keys[k] for k in r.KEY_COLUMNS]
        row += ["active", now, actor, now, actor]
        rows.append(row)
        if keys["phone_digits"]:
            phones.append((cid, keys["phone_digits"]))
        cards.extend((uid, cid, now, actor) for uid in rec.get("_cards", ()))
        written += 1
        number += 1
        if len(rows) >= batch:
            flush()
    flush()
    current = service.next_number(conn, 0)
    service.set_next_number(conn, max(current, number))
    return written


def seed(box: Box, count: int = 200) -> int:
    """Demo customers for ``tilledge demo`` (fast: 200 by default, 1,000,000 works)."""

    def txn(conn: sqlite3.Connection) -> int:
        now = now_iso("seconds")
        groups = ensure_groups(conn, now)
        first = service.next_number(conn, box.config.customers.next_number)
        existing = conn.execute("SELECT count(*) FROM customers").fetchone()[0]
        return bulk_insert(
            conn,
            generate(count, start=existing + 1),
            first_number=first,
            groups=groups,
            now=now,
        )

    return int(box.db.write(txn))
