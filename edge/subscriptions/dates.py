"""The period calendar of a subscription (BACKOFFICE §10).

Period ``n`` starts at the start date plus ``n`` intervals, always computed
from the start date — never from the previous period — with the day clamped
to the month's length: a start on 31 Jan gives 28/29 Feb, 31 Mar, 30 Apr,
31 May; a start on 29 Feb gives 28 Feb in other years and 29 Feb again in
leap years. A period ends the day before the next one starts. Imports
nothing of the project.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Literal

Interval = Literal["monthly", "quarterly", "annually"]
MONTHS: dict[str, int] = {"monthly": 1, "quarterly": 3, "annually": 12}


def period_start(start: date, interval: str, n: int) -> date:
    """The first day of period ``n`` (0 is the start date itself)."""
    months = start.month - 1 + n * MONTHS[interval]
    year, month = start.year + months // 12, months % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def period_end(start: date, interval: str, n: int) -> date:
    """The last day of period ``n``."""
    return period_start(start, interval, n + 1) - timedelta(days=1)


def period_index(start: date, interval: str, day: date) -> int | None:
    """The period ``day`` falls in (None before the start date)."""
    if day < start:
        return None
    step = MONTHS[interval]
    n = ((day.year - start.year) * 12 + day.month - start.month) // step
    while n > 0 and period_start(start, interval, n) > day:
        n -= 1
    return n


def starts(start: date, interval: str, until: date) -> Iterator[tuple[int, date]]:
    """``(n, start of period n)`` for every period starting on or before ``until``."""
    n = 0
    while (s := period_start(start, interval, n)) <= until:
        yield n, s
        n += 1


def label(first: date, last: date) -> str:
    """A period as the invoice line states it: ``01.02.2027–28.02.2027``."""
    return f"{first:%d.%m.%Y}–{last:%d.%m.%Y}"
