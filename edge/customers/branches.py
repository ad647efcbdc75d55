"""The search's building blocks and its plain index range reads: a
``Branch`` (one index read in index order, with how to page it and how to
tell its matches), the ``Filters`` every branch applies, and the branches for
customer numbers, card UIDs, name/company/e-mail keys and "everything".
Imports nothing of the project.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_NUMBER = 10**12
TOP = "\U0010ffff"  # sorts after every character: prefix p is the range [p, p + TOP)

SUMMARY_COLUMNS = (
    "c.id, c.customer_number, c.type, c.display_name, c.first_name, c.last_name,"
    " c.company_name, c.email, c.phone, c.mobile, c.city, c.status, c.blocked, c.group_id,"
    " c.fl_key, c.lf_key, c.company_key, c.email_key, c.phone_digits"
)


@dataclass
class Filters:
    status: str | None = None
    type: str | None = None
    group_id: int | None = None

    def sql(self) -> tuple[str, list[Any]]:
        parts, args = [], []
        if self.status:
            parts.append("c.status = ?")
            args.append(self.status)
        if self.type:
            parts.append("c.type = ?")
            args.append(self.type)
        if self.group_id is not None:
            parts.append("c.group_id = ?")
            args.append(self.group_id)
        return "".join(f" AND {p}" for p in parts), args


Fetch = Callable[[Any, int, int], list[sqlite3.Row]]  # (after_key, after_id, n) -> rows


@dataclass
class Branch:
    name: str  # reported as "matched"
    fetch: Fetch
    key_of: Callable[[sqlite3.Row], Any]
    matches: Callable[[sqlite3.Row], bool] | None  # None: needs a query (cards)
    ids_sql: tuple[str, list[Any]] = field(default_factory=lambda: ("", []))
    keep: Callable[[sqlite3.Row], bool] | None = None  # drops repeats inside the branch


def page(
    conn: sqlite3.Connection,
    base: str,
    args: list[Any],
    order: str,
    n: int,
    *,
    key: str = "",
    after: tuple[str, list[Any]] | None = None,
) -> list[sqlite3.Row]:
    """One page of summary rows ``SELECT … {base} [after] ORDER BY {order}``;
    ``key`` adds the branch's own key column."""
    after_sql, after_args = after or ("", [])
    return conn.execute(
        f"SELECT {SUMMARY_COLUMNS}{key} {base}{after_sql} ORDER BY {order} LIMIT ?",
        [*args, *after_args, n],
    ).fetchall()


def prefix_branch(
    conn: sqlite3.Connection, name: str, column: str, prefix: str, filters: Filters
) -> Branch:
    fsql, fargs = filters.sql()
    base = f"FROM customers c WHERE c.{column} != '' AND c.{column} >= ? AND c.{column} < ?{fsql}"
    rng = [prefix, prefix + TOP]

    def fetch(after_key: Any, after_id: int, n: int) -> list[sqlite3.Row]:
        after = None
        if after_key is not None:
            after = (f" AND (c.{column}, c.id) > (?, ?)", [after_key, after_id])
        return page(conn, base, [*rng, *fargs], f"c.{column}, c.id", n, after=after)

    return Branch(
        name,
        fetch,
        key_of=lambda row: row[column],
        matches=lambda row: row[column].startswith(prefix),
        ids_sql=(f"SELECT c.id {base}", [*rng, *fargs]),
    )


def number_branch(conn: sqlite3.Connection, text: str, filters: Filters) -> Branch:
    # Numbers starting with the typed digits: [q, q+1), [10q, 10q+10), ... in numeric order.
    q = int(text)
    ranges = []
    lo, hi = q, q + 1
    while lo < MAX_NUMBER:
        ranges.append((lo, hi))
        lo, hi = lo * 10, hi * 10
    fsql, fargs = filters.sql()
    where = " OR ".join("(c.customer_number >= ? AND c.customer_number < ?)" for _ in ranges)
    flat = [x for r in ranges for x in r]

    def fetch(after_key: Any, after_id: int, n: int) -> list[sqlite3.Row]:
        out: list[sqlite3.Row] = []
        after = -1 if after_key is None else int(after_key)
        for lo_, hi_ in ranges:
            if hi_ <= after + 1:
                continue
            out += conn.execute(
                f"SELECT {SUMMARY_COLUMNS} FROM customers c WHERE c.customer_number >= ?"
                f" AND c.customer_number < ?{fsql} ORDER BY c.customer_number LIMIT ?",
                [max(lo_, after + 1), hi_, *fargs, n - len(out)],
            ).fetchall()
            if len(out) >= n:
                break
        return out

    return Branch(
        "number",
        fetch,
        key_of=lambda row: row["customer_number"],
        matches=lambda row: str(row["customer_number"]).startswith(text),
        ids_sql=(f"SELECT c.id FROM customers c WHERE ({where}){fsql}", [*flat, *fargs]),
    )


@dataclass(frozen=True)
class KeyedRange:
    """A prefix range on a table keyed by customer (cards, phone numbers)."""

    base: str  # FROM … JOIN customers c … WHERE the range and the filters
    args: list[Any]
    ids_sql: tuple[str, list[Any]]  # the customer ids in the range


def keyed_range(
    table: str, alias: str, column: str, prefix: str, filters: Filters, where: str = ""
) -> KeyedRange:
    fsql, fargs = filters.sql()
    cond = f"{alias}.{column} >= ? AND {alias}.{column} < ?{where}"
    args = [prefix, prefix + TOP, *fargs]
    base = f"FROM {table} {alias} JOIN customers c ON c.id = {alias}.customer_id WHERE {cond}{fsql}"
    # Counting needs no customer rows unless a filter looks at them.
    ids_from = base if fsql else f"FROM {table} {alias} WHERE {cond}"
    return KeyedRange(base, args, (f"SELECT {alias}.customer_id AS id {ids_from}", args))


def card_branch(conn: sqlite3.Connection, uid: str, filters: Filters) -> Branch:
    cards = keyed_range("cards", "k", "uid", uid, filters, " AND k.status = 'active'")

    def fetch(after_key: Any, after_id: int, n: int) -> list[sqlite3.Row]:
        after = None if after_key is None else (" AND k.uid > ?", [after_key])
        key = ", k.uid AS card_uid"
        return page(conn, cards.base, cards.args, "k.uid", n, key=key, after=after)

    return Branch(
        "card", fetch, key_of=lambda row: row["card_uid"], matches=None, ids_sql=cards.ids_sql
    )


def all_branch(conn: sqlite3.Connection, filters: Filters) -> Branch:
    fsql, fargs = filters.sql()

    def fetch(after_key: Any, after_id: int, n: int) -> list[sqlite3.Row]:
        return page(conn, f"FROM customers c WHERE c.id > ?{fsql}", [after_id, *fargs], "c.id", n)

    return Branch(
        "all",
        fetch,
        key_of=lambda row: row["id"],
        matches=lambda row: True,
        ids_sql=(f"SELECT c.id FROM customers c WHERE 1{fsql}", fargs),
    )
