"""Search as you type (SPEC §6) that stays fast at a million customers.

A query is answered by a fixed list of *branches*, each an index range read
in index order: customer number (integer prefix ranges), card UID prefix,
phone numbers (E.164 prefix, or any fragment of 4+ digits via 4-digit windows), "first last" and
"last first" name keys, company key and e-mail key (B-tree prefix ranges on
folded columns). Results are the branches' rows one branch after the other;
a customer matching several branches is shown once, in its first branch.

The cursor is the position in that sequence — (branch, key, id) — so pages
are stable while customers are added or changed elsewhere in the list, and
reading page n costs the same as page 1. ``total`` is counted up to
TOTAL_LIMIT: beyond that, counting would cost more than the search itself.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from edge.api.problems import ApiError
from edge.customers.normalize import FieldError, digits, fold, normalize_uid, phone_query_digits
from edge.customers.records import GRAM, phone_grams

TOTAL_LIMIT = 1000
MAX_NUMBER = 10**12
TOP = "\U0010ffff"  # sorts after every character: prefix p is the range [p, p + TOP)
_PHONEISH = set("0123456789 +-/().")

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


def encode_cursor(branch: int, key: Any, row_id: int) -> str:
    raw = json.dumps([branch, key, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[int, Any, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        branch, key, row_id = json.loads(raw)
        ints = [branch, row_id] + ([key] if isinstance(key, int) else [])
        if not all(isinstance(x, int) and 0 <= x < 2**63 for x in ints):
            raise ValueError
        if not (key is None or isinstance(key, int | str)):
            raise ValueError
        return branch, key, row_id
    except (ValueError, TypeError) as e:
        raise ApiError(
            422,
            "validation_error",
            "the cursor is not one this box gave out",
            errors=[{"field": "query.cursor", "message": "invalid cursor"}],
        ) from e


def _prefix_branch(
    conn: sqlite3.Connection, name: str, column: str, prefix: str, filters: Filters
) -> Branch:
    fsql, fargs = filters.sql()
    base = f"FROM customers c WHERE c.{column} != '' AND c.{column} >= ? AND c.{column} < ?{fsql}"
    rng = [prefix, prefix + TOP]

    def fetch(after_key: Any, after_id: int, n: int) -> list[sqlite3.Row]:
        if after_key is None:
            sql = f"SELECT {SUMMARY_COLUMNS} {base} ORDER BY c.{column}, c.id LIMIT ?"
            return conn.execute(sql, [*rng, *fargs, n]).fetchall()
        sql = (
            f"SELECT {SUMMARY_COLUMNS} {base} AND (c.{column}, c.id) > (?, ?)"
            f" ORDER BY c.{column}, c.id LIMIT ?"
        )
        return conn.execute(sql, [*rng, *fargs, after_key, after_id, n]).fetchall()

    return Branch(
        name,
        fetch,
        key_of=lambda row: row[column],
        matches=lambda row: row[column].startswith(prefix),
        ids_sql=(f"SELECT c.id {base}", [*rng, *fargs]),
    )


def _number_branch(conn: sqlite3.Connection, text: str, filters: Filters) -> Branch:
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


def _card_branch(conn: sqlite3.Connection, uid: str, filters: Filters) -> Branch:
    fsql, fargs = filters.sql()
    base = (
        "FROM cards k JOIN customers c ON c.id = k.customer_id"
        f" WHERE k.uid >= ? AND k.uid < ? AND k.status = 'active'{fsql}"
    )
    rng = [uid, uid + TOP]

    def fetch(after_key: Any, after_id: int, n: int) -> list[sqlite3.Row]:
        extra, args = "", []
        if after_key is not None:
            extra, args = " AND k.uid > ?", [after_key]
        return conn.execute(
            f"SELECT {SUMMARY_COLUMNS}, k.uid AS card_uid {base}{extra} ORDER BY k.uid LIMIT ?",
            [*rng, *fargs, *args, n],
        ).fetchall()

    # Counting needs no customer rows unless a filter looks at them.
    ids_base = (
        base if fsql else "FROM cards k WHERE k.uid >= ? AND k.uid < ? AND k.status = 'active'"
    )
    return Branch(
        "card",
        fetch,
        key_of=lambda row: row["card_uid"],
        matches=None,
        ids_sql=(f"SELECT k.customer_id AS id {ids_base}", [*rng, *fargs]),
    )


def _phone_prefix_branch(conn: sqlite3.Connection, prefix: str, filters: Filters) -> Branch:
    # A number typed in national or international form: E.164 digits prefix range.
    fsql, fargs = filters.sql()
    base = (
        "FROM customer_phones p JOIN customers c ON c.id = p.customer_id"
        f" WHERE p.digits >= ? AND p.digits < ?{fsql}"
    )
    rng = [prefix, prefix + TOP]

    def fetch(after_key: Any, after_id: int, n: int) -> list[sqlite3.Row]:
        extra: str = ""
        args: list[Any] = []
        if after_key is not None:
            extra, args = " AND (p.digits, p.customer_id) > (?, ?)", [after_key, after_id]
        return conn.execute(
            f"SELECT {SUMMARY_COLUMNS}, p.digits AS phone_key {base}{extra}"
            " ORDER BY p.digits, p.customer_id LIMIT ?",
            [*rng, *fargs, *args, n],
        ).fetchall()

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
        ids_sql=(
            f"SELECT p.customer_id AS id {base}"
            if fsql
            else "SELECT p.customer_id AS id FROM customer_phones p"
            " WHERE p.digits >= ? AND p.digits < ?",
            [*rng, *fargs],
        ),
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


def _phone_fragment_branch(conn: sqlite3.Connection, needle: str, filters: Filters) -> Branch:
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


def _all_branch(conn: sqlite3.Connection, filters: Filters) -> Branch:
    fsql, fargs = filters.sql()

    def fetch(after_key: Any, after_id: int, n: int) -> list[sqlite3.Row]:
        return conn.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM customers c WHERE c.id > ?{fsql} ORDER BY c.id LIMIT ?",
            [after_id, *fargs, n],
        ).fetchall()

    return Branch(
        "all",
        fetch,
        key_of=lambda row: row["id"],
        matches=lambda row: True,
        ids_sql=(f"SELECT c.id FROM customers c WHERE 1{fsql}", fargs),
    )


def branches_for(conn: sqlite3.Connection, q: str, filters: Filters, region: str) -> list[Branch]:
    text = q.strip()
    if not text:
        return [_all_branch(conn, filters)]
    out: list[Branch] = []
    compact = text.replace(" ", "")
    if compact.isdigit() and not compact.startswith("0") and len(compact) <= 12:
        out.append(_number_branch(conn, compact, filters))
    try:
        uid = normalize_uid(text)
    except FieldError:
        uid = ""
    if len(uid) >= 4:
        out.append(_card_branch(conn, uid, filters))
    if set(text) <= _PHONEISH:
        prefix, fragment = phone_needles(text, region)
        if prefix:
            out.append(_phone_prefix_branch(conn, prefix, filters))
        if fragment:
            out.append(_phone_fragment_branch(conn, fragment, filters))
    key = fold(text)
    if key:
        out.append(_prefix_branch(conn, "name", "fl_key", key, filters))
        out.append(_prefix_branch(conn, "name", "lf_key", key, filters))
        out.append(_prefix_branch(conn, "company", "company_key", key, filters))
    email = text.lower()
    if "@" in email or (not compact.isdigit() and len(email) >= 2):
        out.append(_prefix_branch(conn, "email", "email_key", email, filters))
    return out


def _in_earlier(
    conn: sqlite3.Connection, branches: list[Branch], index: int, rows: list[sqlite3.Row]
) -> set[int]:
    """Ids among ``rows`` that an earlier branch already lists."""
    seen: set[int] = set()
    for earlier in branches[:index]:
        if earlier.matches is not None:
            seen.update(row["id"] for row in rows if earlier.matches(row))
        else:
            ids = [row["id"] for row in rows]
            sql, args = earlier.ids_sql
            marks = ",".join("?" for _ in ids)
            seen.update(
                x[0]
                for x in conn.execute(
                    f"SELECT id FROM ({sql}) WHERE id IN ({marks})", [*args, *ids]
                )
            )
    return seen


def _walk(
    conn: sqlite3.Connection, branches: list[Branch], start: tuple[int, Any, int] | None, want: int
) -> Iterator[tuple[int, Any, sqlite3.Row]]:
    b0, key, after_id = start if start else (0, None, 0)
    for index in range(b0, len(branches)):
        branch = branches[index]
        if index != b0:
            key, after_id = None, 0
        while True:
            rows = branch.fetch(key, after_id, want)
            if not rows:
                break
            skip = _in_earlier(conn, branches, index, rows) if index else set()
            for row in rows:
                if row["id"] not in skip and (branch.keep is None or branch.keep(row)):
                    yield index, branch.key_of(row), row
            key, after_id = branch.key_of(rows[-1]), rows[-1]["id"]
            if len(rows) < want:
                break


def count(conn: sqlite3.Connection, branches: list[Branch], cap: int = TOTAL_LIMIT) -> int:
    parts, args = [], []
    for b in branches:
        sql, a = b.ids_sql
        parts.append(f"SELECT id FROM ({sql} LIMIT {cap + 1})")
        args += a
    union = " UNION ".join(parts)
    return int(conn.execute(f"SELECT count(*) FROM ({union})", args).fetchone()[0])


def summary(row: sqlite3.Row, matched: str) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "customer_number": row["customer_number"],
        "type": row["type"],
        "display_name": row["display_name"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "company_name": row["company_name"],
        "email": row["email"],
        "phone": row["phone"],
        "mobile": row["mobile"],
        "city": row["city"],
        "status": row["status"],
        "blocked": bool(row["blocked"]),
        "group_id": None if row["group_id"] is None else str(row["group_id"]),
        "matched": matched,
    }


def search(
    conn: sqlite3.Connection,
    q: str,
    *,
    filters: Filters,
    region: str,
    limit: int = 50,
    cursor: str | None = None,
    offset: int | None = None,
) -> dict[str, Any]:
    """One page of matches: ``{items, total, total_exact, next}``."""
    branches = branches_for(conn, q, filters, region)
    start = decode_cursor(cursor) if cursor else None
    if start is not None and not 0 <= start[0] < len(branches):
        raise ApiError(
            422,
            "validation_error",
            "the cursor belongs to another query",
            errors=[{"field": "query.cursor", "message": "invalid cursor for this query"}],
        )
    skip = 0 if cursor else (offset or 0)
    items: list[dict[str, Any]] = []
    last: tuple[int, Any, int] | None = None
    nxt = None
    for index, key, row in _walk(conn, branches, start, limit + skip + 1):
        if skip:
            skip -= 1
            continue
        if len(items) == limit:
            assert last is not None
            nxt = encode_cursor(*last)
            break
        items.append(summary(row, branches[index].name))
        last = (index, key, row["id"])
    if nxt is None and start is None and (items or not offset):
        # Every branch was read to its end: the count is known, no second walk.
        total = (offset or 0) + len(items)
    else:
        total = count(conn, branches)
    return {
        "items": items,
        "total": min(total, TOTAL_LIMIT),
        "total_exact": total <= TOTAL_LIMIT,
        "next": nxt,
    }
