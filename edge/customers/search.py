"""Search as you type (SPEC §6) that stays fast at a million customers.

A query is answered by a fixed list of *branches*, each an index range read
in index order (:mod:`edge.customers.branches`, :mod:`~.phone_search`):
customer number (integer prefix ranges), card UID prefix, phone numbers
(E.164 prefix, or any fragment of 4+ digits via 4-digit windows), "first
last" and "last first" name keys, company key and e-mail key (B-tree prefix
ranges on folded columns). Results are the branches' rows one branch after the other;
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
from collections.abc import Iterator
from typing import Any

from edge.customers.branches import (
    Branch,
    Filters,
    all_branch,
    card_branch,
    number_branch,
    prefix_branch,
)
from edge.customers.normalize import FieldError, fold, normalize_uid
from edge.customers.phone_search import phone_fragment_branch, phone_needles, phone_prefix_branch
from edge.errors import FieldErrors

TOTAL_LIMIT = 1000
_PHONEISH = set("0123456789 +-/().")


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
        raise FieldErrors.one(
            "query.cursor", "invalid cursor", "the cursor is not one this box gave out"
        ) from e


def branches_for(conn: sqlite3.Connection, q: str, filters: Filters, region: str) -> list[Branch]:
    text = q.strip()
    if not text:
        return [all_branch(conn, filters)]
    out: list[Branch] = []
    compact = text.replace(" ", "")
    ascii_digits = compact.isascii() and compact.isdigit()
    if ascii_digits and not compact.startswith("0") and len(compact) <= 12:
        out.append(number_branch(conn, compact, filters))
    try:
        uid = normalize_uid(text)
    except FieldError:
        uid = ""
    if len(uid) >= 4:
        out.append(card_branch(conn, uid, filters))
    if set(text) <= _PHONEISH:
        prefix, fragment = phone_needles(text, region)
        if prefix:
            out.append(phone_prefix_branch(conn, prefix, filters))
        if fragment:
            out.append(phone_fragment_branch(conn, fragment, filters))
    key = fold(text)
    if key:
        out.append(prefix_branch(conn, "name", "fl_key", key, filters))
        out.append(prefix_branch(conn, "name", "lf_key", key, filters))
        out.append(prefix_branch(conn, "company", "company_key", key, filters))
    email = text.lower()
    if "@" in email or (not compact.isdigit() and len(email) >= 2):
        out.append(prefix_branch(conn, "email", "email_key", email, filters))
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


# The columns a search result shows as stored (no memo, no keys).
_SHOWN = (
    "customer_number",
    "type",
    "display_name",
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone",
    "mobile",
    "city",
    "status",
)


def summary(row: sqlite3.Row, matched: str) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        **{c: row[c] for c in _SHOWN},
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
        raise FieldErrors.one(
            "query.cursor", "invalid cursor for this query", "the cursor belongs to another query"
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


def matching_ids(
    conn: sqlite3.Connection, q: str, *, filters: Filters, region: str, batch: int = 500
) -> Iterator[list[int]]:
    """Every match's id in list order, ``batch`` at a time: the same walk as
    :func:`search`, keyset-paged, so an export of a million customers holds one
    batch at a time."""
    branches = branches_for(conn, q, filters, region)
    ids: list[int] = []
    for _, _, row in _walk(conn, branches, None, batch):
        ids.append(row["id"])
        if len(ids) == batch:
            yield ids
            ids = []
    if ids:
        yield ids


def count_matching(
    conn: sqlite3.Connection, q: str, *, filters: Filters, region: str, cap: int
) -> int:
    """How many customers match, counted up to ``cap`` (``cap + 1`` means more)."""
    return count(conn, branches_for(conn, q, filters, region), cap)
