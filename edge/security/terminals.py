"""Terminal management beyond issuing (which lives in ``edge.security.tokens``)."""

from __future__ import annotations

import sqlite3

from edge.platform.clock import now_iso


def list_terminals(conn: sqlite3.Connection) -> list[dict[str, object]]:
    rows = conn.execute(
        "SELECT id, name, scopes, created_at, revoked_at FROM terminals ORDER BY id"
    ).fetchall()
    return [
        {
            "id": str(r["id"]),
            "name": r["name"],
            "scopes": r["scopes"].split(","),
            "created_at": r["created_at"],
            "revoked_at": r["revoked_at"],
        }
        for r in rows
    ]


def revoke(conn: sqlite3.Connection, terminal_id: str) -> bool:
    """Revoke at once: every request looks its token up, nothing is cached."""
    if not terminal_id.isdigit():
        return False
    cur = conn.execute(
        "UPDATE terminals SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        [now_iso(), int(terminal_id)],
    )
    return cur.rowcount == 1
