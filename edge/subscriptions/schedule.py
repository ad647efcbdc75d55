"""Which periods of a subscription are billed (BACKOFFICE §10,
docs/subscriptions.md "Which periods are billed").

A period is billed when it starts on or after the start date, before the
end date, on or before ``cancel_at`` (a cancelled subscription: the last
day of the period it was cancelled in) and not within a pause — a period
that starts while the subscription is paused is skipped for good, not
billed after the resume. Pure: rows in, dates out. Imports the package's
dates.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from edge.subscriptions.dates import period_end, starts


@dataclass(frozen=True)
class Pause:
    paused_from: date
    resumed_on: date | None  # None: still paused

    def covers(self, day: date) -> bool:
        return day >= self.paused_from and (self.resumed_on is None or day < self.resumed_on)


@dataclass(frozen=True)
class Period:
    n: int
    start: date
    end: date


def pauses_of(conn: sqlite3.Connection, subscription_id: int) -> list[Pause]:
    return [
        Pause(
            date.fromisoformat(r["paused_from"]),
            date.fromisoformat(r["resumed_on"]) if r["resumed_on"] else None,
        )
        for r in conn.execute(
            "SELECT paused_from, resumed_on FROM subscription_pauses"
            " WHERE subscription_id = ? ORDER BY id",
            [subscription_id],
        )
    ]


def billed_starts(conn: sqlite3.Connection, subscription_id: int) -> set[date]:
    return {
        date.fromisoformat(r[0])
        for r in conn.execute(
            "SELECT period_start FROM subscription_periods WHERE subscription_id = ?",
            [subscription_id],
        )
    }


def billable(row: sqlite3.Row, pauses: Sequence[Pause], until: date) -> Iterator[Period]:
    """The periods of ``row`` the rules bill, starting on or before ``until``."""
    start, interval = date.fromisoformat(row["start_date"]), row["interval"]
    end = date.fromisoformat(row["end_date"]) if row["end_date"] else None
    cancel_at = date.fromisoformat(row["cancel_at"]) if row["cancel_at"] else None
    for n, first in starts(start, interval, until):
        if (end is not None and first >= end) or (cancel_at is not None and first > cancel_at):
            return
        if any(p.covers(first) for p in pauses):
            continue
        yield Period(n, first, period_end(start, interval, n))


def due(row: sqlite3.Row, pauses: Sequence[Pause], billed: set[date], until: date) -> list[Period]:
    """The billable periods up to ``until`` that have no invoice yet."""
    return [p for p in billable(row, pauses, until) if p.start not in billed]


def next_billing(
    row: sqlite3.Row, pauses: Sequence[Pause], billed: set[date], horizon: date
) -> date | None:
    """The first billable period without an invoice (up to ``horizon``):
    in the past while a run is outstanding, else the next period's first day."""
    for p in billable(row, pauses, horizon):
        if p.start not in billed:
            return p.start
    return None
