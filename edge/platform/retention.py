"""How long the box keeps what it only keeps for a while."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from edge.platform.clock import iso
from edge.platform.clock import now as utc_now

#: API.md: idempotency keys are kept at least 7 days.
IDEMPOTENCY_KEYS = timedelta(days=8)


def purge_idempotency_keys(conn: sqlite3.Connection, now: datetime | None = None) -> int:
    """Delete the keys older than the retention period.

    Keys are inserted in time order, so the expired ones are the lowest rowids:
    walk rowids up to the first key still kept instead of keeping an index on
    ``created_at`` that every money operation would have to update. A key is
    never deleted before its time, even if the clock once went backwards (it
    is then kept longer).
    """
    cutoff = iso((now or utc_now()) - IDEMPOTENCY_KEYS, "auto")
    # The scalar subquery runs once (the largest rowid when every key has
    # expired); rowid < it is then a range scan from the oldest key.
    return conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at < :cutoff AND rowid < coalesce("
        " (SELECT rowid FROM idempotency_keys WHERE created_at >= :cutoff"
        "  ORDER BY rowid LIMIT 1), 9223372036854775807)",
        {"cutoff": cutoff},
    ).rowcount
