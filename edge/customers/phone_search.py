"""Phone search branches: an E.164 prefix range on ``customer_phones``, or
any fragment of 4+ digits looked up by its rarest 4-digit window in
``customer_phone_grams`` and checked on the stored number. Imports
``edge.customers.branches``, ``normalize`` and ``records``.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from typing import Any

from edge.customers.branches import SUMMARY_COLUMNS, Branch, Filters, keyed_range, page
from edge.customers.normalize import digits, phone_query_digits
from edge.customers.records import GRAM, phone_grams


def phone_prefix_branch(conn: sqlite3.Connection, prefix: str, filters: Filters) -> Branch:
    # A number typed in national or international form: E.164 digits prefix range.
    phones = keyed_range("customer_phones", "p", "digits", prefix, filters)

    def fetch(after_key: Any, after_id: int, n: int) -> list[sqlite3.Row]:
        after = None
        if after_key is not None:
            after = (" AND (p.digits, p.customer_id) > (?, ?)", [after_key, after_id])
        order, key = "p.digits, p.customer_id", ", p.digits AS phone_key"
        return page(conn, phones.base, phones.args, order, n, key=key, after=after)

    def first_match(row: sqlite3.Row) -> bool:
        # Two matching numbers of one customer: list it once, at the smaller one.
        return bool(
            row["phone_key"] == min(d for d in row["phone_digits"].split() if d.startswith(prefix))
        )

    return Branch(
        "phone",
        fetch,
        key_of=lambda row: row["phone_key"],
        matches=lambda row: any(d.startswith(prefix) for d in row["phone_digits"].split()),
        ids_sql=phones.ids_sql,
        keep=first_match,
    )


# Some 4-digit windows are shared by most stored numbers (country and mobile
# prefixes: "4917", "4915" …). Their frequency is estimated from a sample of
# the newest numbers, and a fragment is looked up by its rarest window.
GRAM_SAMPLE = 2000
GRAM_TTL_S = 600.0
_gram_cache: dict[str, tuple[float, Counter[str]]] = {}


def gram_counts(conn: sqlite3.Connection) -> Counter[str]:
    """How many sampled numbers contain each 4-digit window (cached per database)."""
    key = str(conn.execute("PRAGMA database_list").fetchone()[2])
    now = time.monotonic()
    cached = _gram_cache.get(key)
    if cached and now - cached[0] < GRAM_TTL_S:
        return cached[1]
    counts: Counter[str] = Counter()
    for (joined,) in conn.execute(
        "SELECT phone_digits FROM customers WHERE phone_digits != '' ORDER BY id DESC LIMIT ?",
        [GRAM_SAMPLE],
    ):
        for number in joined.split():
            counts.update(phone_grams(number))
    _gram_cache[key] = (now, counts)
    return counts


def rarest_gram(needle: str, counts: Counter[str]) -> str:
    """The 4-digit window of ``needle`` seen least often (rightmost on ties)."""
    grams = [needle[i : i + GRAM] for i in range(len(needle) - GRAM + 1)]
    return min(reversed(grams), key=lambda g: counts.get(g, 0))


def phone_fragment_branch(conn: sqlite3.Connection, needle: str, filters: Filters) -> Branch:
    # Digits from anywhere in a number: the rarest 4-digit window of the fragment
    # is a B-tree range of (window, customer, number) rows in customer order; the
    # whole fragment is checked on the stored number in the same row.
    fsql, fargs = filters.sql()
    gram = rarest_gram(needle, gram_counts(conn))
    where = "g.gram = ? AND instr(g.digits, ?) > 0"
    join = " JOIN customers c ON c.id = g.customer_id" if fsql else ""

    def fetch(after_key: Any, after_id: int, n: int) -> list[sqlite3.Row]:
        return conn.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM customer_phone_grams g"
            f" JOIN customers c ON c.id = g.customer_id WHERE {where}"
            f" AND g.customer_id > ?{fsql} GROUP BY g.customer_id ORDER BY g.customer_id LIMIT ?",
            [gram, needle, after_id, *fargs, n],
        ).fetchall()

    return Branch(
        "phone",
        fetch,
        key_of=lambda row: row["id"],
        matches=lambda row: needle in row["phone_digits"],
        ids_sql=(
            f"SELECT DISTINCT g.customer_id AS id FROM customer_phone_grams g{join}"
            f" WHERE {where}{fsql}",
            [gram, needle, *fargs],
        ),
    )


def phone_needles(text: str, region: str) -> tuple[str | None, str | None]:
    """(E.164 prefix, fragment) for what was typed; either may be None.

    ``+49 89 12`` and ``089 12`` are the start of a number (prefix of its
    E.164 digits, national form read with the box's country); bare digits
    such as ``1234567`` may sit anywhere in a number (fragment).
    """
    raw = digits(text)
    start = text.strip()
    if len(raw) >= 2 and (start.startswith("+") or start.startswith("00")):
        return phone_query_digits(text, region)[0] or None, None
    if len(raw) >= 2 and start.startswith("0"):
        found = phone_query_digits(text, region)
        if found[0] != raw:
            return found[0], None
    return None, raw if len(raw) >= GRAM else None
