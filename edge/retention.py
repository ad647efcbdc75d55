"""How long the box keeps what it only keeps for a while."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

#: API.md: idempotency keys are kept at least 7 days.
IDEMPOTENCY_KEYS = timedelta(days=8)


def purge_idempotency_keys(conn: sqlite3.Connection, now: datetime | None = None) -> int:
    cutoff = ((now or datetime.now(UTC)) - IDEMPOTENCY_KEYS).isoformat().replace("+00:00", "Z")
    return conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", [cutoff]).rowcount
