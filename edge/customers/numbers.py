"""Customer numbers: the next automatic number (a counter in ``box_meta``,
at least the configured floor), skipping numbers set by hand. Imports
nothing of the project.
"""

from __future__ import annotations

import sqlite3

NEXT_NUMBER_KEY = "customers.next_number"


def next_number(conn: sqlite3.Connection, config_next: int) -> int:
    """The number the next customer gets: the stored counter, at least the config floor."""
    row = conn.execute("SELECT value FROM box_meta WHERE key = ?", [NEXT_NUMBER_KEY]).fetchone()
    stored = int(row["value"]) if row else 0
    return max(stored, config_next)


def set_next_number(conn: sqlite3.Connection, number: int) -> None:
    conn.execute(
        "INSERT INTO box_meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [NEXT_NUMBER_KEY, str(number)],
    )


def allocate_number(conn: sqlite3.Connection, config_next: int) -> int:
    """Take the next free number (numbers set by hand are skipped) and advance."""
    number = next_number(conn, config_next)
    while conn.execute("SELECT 1 FROM customers WHERE customer_number = ?", [number]).fetchone():
        number += 1
    set_next_number(conn, number + 1)
    return number
