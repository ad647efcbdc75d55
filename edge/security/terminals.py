"""Terminal management beyond issuing (which lives in ``edge.security.tokens``).

Terminal names are unique (case-insensitively, revoked terminals included, a
unique index since m007): people read them in the journal and on the panel.
A requested name that is taken becomes the first free ``NAME (2)``, ``NAME
(3)`` …, so pairing never fails and never shares a name. Idempotency keys and
journal actors carry the terminal's id anyway (``terminal:7 Till 2``).
"""

from __future__ import annotations

import sqlite3

from edge.platform.clock import now_iso
from edge.platform.text import first_free

MAX_NAME = 64


def free_name(conn: sqlite3.Connection, wanted: str) -> str:
    """``wanted`` if no terminal has it, else the first free ``wanted (n)``."""
    wanted = wanted.strip()[:MAX_NAME] or "terminal"
    # A box has tens of terminals: reading every name is simpler than a LIKE.
    taken = {str(r[0]).casefold() for r in conn.execute("SELECT name FROM terminals")}
    return first_free(wanted, taken, max_len=MAX_NAME)


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
