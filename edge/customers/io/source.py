"""The customers an export writes, read in keyset-paged batches.

The ids come from the search's own walk (:func:`edge.customers.search.matching_ids`),
so the export lists exactly the customers the list shows for the same
filters; each batch of full rows is one ``IN (…)`` query on a read
connection. Only one batch is held at a time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from edge.customers.branches import Filters
from edge.customers.search import count_matching, matching_ids

BATCH = 500


@dataclass(frozen=True)
class ExportFilters:
    """The customer list's filters, as the export records them."""

    status: str | None = None
    type: str | None = None
    group_id: int | None = None
    search: str = ""

    def as_filters(self) -> Filters:
        return Filters(status=self.status, type=self.type, group_id=self.group_id)

    def settings(self) -> dict[str, Any]:
        return asdict(self)


def count(conn: sqlite3.Connection, f: ExportFilters, *, region: str, cap: int) -> int:
    """Matching customers, counted up to ``cap + 1``."""
    if not f.search.strip():
        where, args = f.as_filters().sql()
        sql = f"SELECT count(*) FROM (SELECT 1 FROM customers c WHERE 1{where} LIMIT ?)"
        return int(conn.execute(sql, [*args, cap + 1]).fetchone()[0])
    return count_matching(conn, f.search, filters=f.as_filters(), region=region, cap=cap)


def customers(
    conn: sqlite3.Connection, f: ExportFilters, *, region: str, batch: int = BATCH
) -> Iterator[sqlite3.Row]:
    """Full customer rows in list order."""
    for ids in matching_ids(conn, f.search, filters=f.as_filters(), region=region, batch=batch):
        marks = ",".join("?" for _ in ids)
        rows = {
            row["id"]: row
            for row in conn.execute(f"SELECT * FROM customers WHERE id IN ({marks})", ids)
        }
        for cid in ids:
            if cid in rows:  # purged between the two reads
                yield rows[cid]
