"""The box's clock as text: RFC 3339 UTC timestamps with a ``Z``, and today's date.

Every stored and reported timestamp is made here, so the formats cannot drift:
:func:`now_iso` (microseconds, the operations' and jobs' times) and
:func:`iso` / :func:`iso_at` for a given moment. Imports only the standard library.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

Timespec = Literal["auto", "seconds", "milliseconds", "microseconds"]

__all__ = ["iso", "iso_at", "now", "now_iso", "today_utc"]


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime, timespec: Timespec = "microseconds") -> str:
    """``moment`` (aware, UTC) as ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``."""
    return moment.isoformat(timespec=timespec).replace("+00:00", "Z")


def now_iso(timespec: Timespec = "microseconds") -> str:
    return iso(now(), timespec)


def iso_at(ts: float, timespec: Timespec = "seconds") -> str:
    """A POSIX timestamp (``time.time()``) as RFC 3339 UTC."""
    return iso(datetime.fromtimestamp(ts, UTC), timespec)


def today_utc() -> date:
    return now().date()
