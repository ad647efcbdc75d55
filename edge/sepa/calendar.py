"""TARGET2 business days and the earliest collection date (BACKOFFICE §10).

The closing days come from the ``holidays`` package's ECB financial calendar
(New Year, Good Friday, Easter Monday, 1 May, 25 and 26 December — maintained
there, not here); Saturdays and Sundays are closed too.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

# The SEPA core scheme: a collection date at least this many TARGET2 business
# days after the file reaches the bank (D-1 since 2016; the box keeps a day's margin).
LEAD_BUSINESS_DAYS = 2


@lru_cache(maxsize=64)
def _closed(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("ECB", years=year))


def is_target2_business_day(d: date) -> bool:
    """Open for TARGET2 settlement: a weekday that is no ECB closing day."""
    return d.weekday() < 5 and d not in _closed(d.year)


def next_business_day(d: date) -> date:
    """``d`` itself when it is a business day, else the next one."""
    while not is_target2_business_day(d):
        d += timedelta(days=1)
    return d


def add_business_days(d: date, n: int) -> date:
    """The ``n``-th business day after ``d`` (``d`` itself not counted)."""
    for _ in range(n):
        d = next_business_day(d + timedelta(days=1))
    return d


def earliest_collection_date(made_on: date, invoice_date: date, prenotification_days: int) -> date:
    """The first date a debit in a file made on ``made_on`` may be collected:
    ≥ the 2nd TARGET2 business day after ``made_on`` and ≥ the invoice date +
    the pre-notification period, rolled forward to a business day."""
    by_bank = add_business_days(made_on, LEAD_BUSINESS_DAYS)
    by_notice = invoice_date + timedelta(days=prenotification_days)
    return next_business_day(max(by_bank, by_notice))
