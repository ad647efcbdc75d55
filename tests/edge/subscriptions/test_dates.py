"""The period calendar (BACKOFFICE §10): computed from the start date, the
day clamped to the month's length — with real dates and as properties."""

from __future__ import annotations

import calendar
import itertools
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from edge.subscriptions.dates import label, period_end, period_index, period_start

starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 12, 31))
intervals = st.sampled_from(["monthly", "quarterly", "annually"])


def test_a_start_on_31_january_bills_the_last_day_of_short_months() -> None:
    got = [period_start(date(2027, 1, 31), "monthly", n) for n in range(5)]
    assert got == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31),
                   date(2027, 4, 30), date(2027, 5, 31)]  # fmt: skip
    leap = [period_start(date(2028, 1, 31), "monthly", n) for n in range(3)]
    assert leap == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]


def test_quarterly_and_annually_from_29_february() -> None:
    quarterly = [period_start(date(2028, 2, 29), "quarterly", n) for n in range(6)]
    assert quarterly == [date(2028, 2, 29), date(2028, 5, 29), date(2028, 8, 29),
                         date(2028, 11, 29), date(2029, 2, 28), date(2029, 5, 29)]  # fmt: skip
    annually = [period_start(date(2028, 2, 29), "annually", n) for n in range(5)]
    assert annually == [date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28),
                        date(2031, 2, 28), date(2032, 2, 29)]  # fmt: skip


def test_a_period_ends_the_day_before_the_next_and_reads_as_dates() -> None:
    assert period_end(date(2027, 1, 31), "monthly", 1) == date(2027, 3, 30)
    assert label(date(2027, 2, 1), date(2027, 2, 28)) == "01.02.2027–28.02.2027"
    assert period_index(date(2027, 1, 31), "monthly", date(2027, 3, 30)) == 1
    assert period_index(date(2027, 1, 31), "monthly", date(2027, 1, 30)) is None


@given(starts, intervals)
def test_period_starts_strictly_increase(start: date, interval: str) -> None:
    days = [period_start(start, interval, n) for n in range(40)]
    assert all(a < b for a, b in itertools.pairwise(days))


@given(starts, intervals, st.integers(0, 400))
def test_the_day_is_the_start_day_clamped_to_the_month(start: date, interval: str, n: int) -> None:
    day = period_start(start, interval, n)
    assert day.day == min(start.day, calendar.monthrange(day.year, day.month)[1])


@given(starts, intervals, st.integers(0, 200), st.integers(0, 200))
def test_the_nth_start_does_not_depend_on_the_path(
    start: date, interval: str, m: int, k: int
) -> None:
    # Stepping on from a clamped start would drift (31 Jan → 28 Feb → 28 Mar);
    # from the start date, n intervals are n intervals however one got there,
    # the same as dateutil's clamping month arithmetic says.
    step = {"monthly": 1, "quarterly": 3, "annually": 12}[interval]
    nth = period_start(start, interval, m + k)
    assert nth == start + relativedelta(months=step * (m + k))
    # Reached as period m + k or as k periods after period m: the same day.
    assert nth == period_start(start, interval, k + m)


@given(starts, intervals, st.integers(0, 3000))
def test_a_day_falls_in_exactly_one_period(start: date, interval: str, offset: int) -> None:
    day = start + timedelta(days=offset)
    n = period_index(start, interval, day)
    assert n is not None
    assert period_start(start, interval, n) <= day <= period_end(start, interval, n)
