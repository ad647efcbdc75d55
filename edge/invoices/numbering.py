"""Gapless invoice numbers (BACKOFFICE §8, GoBD).

A number is taken inside the issuing transaction, from a counter row in the
same database, on the one writer's connection: if the issue is refused or
the box dies before the commit, the counter's increment is rolled back with
it, so a number is never skipped; the writer runs one transaction at a time,
so it is never given twice. Credit notes draw from the same sequence.
Imports only the standard library.
"""

from __future__ import annotations

import sqlite3
from datetime import date


def counter_year(number_format: str, issue_date: date) -> int:
    """The counter a number comes from: its year when the format shows the
    year (the sequence restarts each calendar year), else one for ever (0)."""
    return issue_date.year if "{year" in number_format else 0


def take_number(conn: sqlite3.Connection, number_format: str, issue_date: date) -> str:
    """The next number of ``number_format`` for ``issue_date``; call it only
    inside the transaction that issues the invoice."""
    year = counter_year(number_format, issue_date)
    (seq,) = conn.execute(
        "INSERT INTO invoice_counters (format, year, last_seq) VALUES (?, ?, 1)"
        " ON CONFLICT (format, year) DO UPDATE SET last_seq = last_seq + 1"
        " RETURNING last_seq",
        [number_format, year],
    ).fetchone()
    return number_format.format(year=issue_date.year, seq=seq)
