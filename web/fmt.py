"""Locale-aware money, numbers and dates for the panel.

Money stays in integer minor units from the database to the screen: the
string is built from ``divmod`` on ints, never through a float, so a balance
can never show a rounding artefact. Parsing goes the other way (what a
cashier types, "12,50" or "12.50", into minor units), also without floats.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}
MAX_AMOUNT = 10**12


def group_digits(n: int, sep: str) -> str:
    """``1234567`` → ``1.234.567`` (sep ``.``) — non-negative ints only."""
    s = str(n)
    head = len(s) % 3 or 3
    parts = [s[:head]] + [s[i : i + 3] for i in range(head, len(s), 3)]
    return sep.join(parts)


def number(n: int, lang: str) -> str:
    sign = "-" if n < 0 else ""
    return sign + group_digits(abs(n), "." if lang == "de" else ",")


def money(minor: int, currency: str, lang: str) -> str:
    """1.234,56 € (de) / €1,234.56 (en); a minus sign goes in front."""
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(int(minor)), 100)
    symbol = SYMBOLS.get(currency, currency)
    if lang == "de":
        return f"{sign}{group_digits(units, '.')},{cents:02d}\u00a0{symbol}"
    space = "\u00a0" if len(symbol) > 1 else ""
    return f"{sign}{symbol}{space}{group_digits(units, ',')}.{cents:02d}"


_AMOUNT = re.compile(r"^[+-]?[0-9.,\s\u00a0']*$")


def parse_money(text: str, *, signed: bool = False) -> int:
    """What staff type ("12,50", "1.234", "€ 5", "-3.20") → minor units.

    The decimal mark is the last ``,`` or ``.`` followed by one or two digits
    at the end; any other ``,``/``.`` is a thousands separator, so both
    languages' ways of typing read the same. Raises
    ValueError with a message key for the form.
    """
    raw = text.strip()
    for symbol in (*SYMBOLS.values(), "EUR", "eur"):
        raw = raw.replace(symbol, "")
    raw = raw.strip()
    if not raw:
        raise ValueError("err_amount_missing")
    if not _AMOUNT.match(raw):
        raise ValueError("err_amount_format")
    negative = raw.startswith("-")
    if negative and not signed:
        raise ValueError("err_amount_positive")
    body = re.sub(r"[\s\u00a0']", "", raw.lstrip("+-"))
    m = re.search(r"[.,](\d{1,2})$", body)
    if m:
        whole, frac = body[: m.start()], m.group(1)
    else:
        whole, frac = body, ""
    whole = whole.replace(".", "").replace(",", "")
    if not whole and not frac:
        raise ValueError("err_amount_format")
    if not (whole or "0").isdigit() or len(whole) > 13:
        raise ValueError("err_amount_format")
    minor = int(whole or "0") * 100 + int((frac + "00")[:2])
    if minor > MAX_AMOUNT:
        raise ValueError("err_amount_too_large")
    return -minor if negative else minor


def minor_to_input(minor: int | None, lang: str) -> str:
    """An amount as it goes back into a form field (no symbol, no grouping)."""
    if minor is None:
        return ""
    units, cents = divmod(abs(minor), 100)
    mark = "," if lang == "de" else "."
    return f"{'-' if minor < 0 else ''}{units}{mark}{cents:02d}"


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _parse_ts(value: str | datetime | date | None) -> datetime | date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value
    text = str(value).replace("Z", "+00:00")
    try:
        if len(text) <= 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def day(value: str | date | None, lang: str) -> str:
    """24.11.2026 (de) / 24 Nov 2026 (en)."""
    d = _parse_ts(value)
    if d is None:
        return "–"
    if isinstance(d, datetime):
        d = _local(d).date()
    if lang == "de":
        return f"{d.day:02d}.{d.month:02d}.{d.year}"
    return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def _local(ts: datetime) -> datetime:
    # Stored in UTC; staff read the box's own clock time.
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone()


def when(value: str | datetime | None, lang: str) -> str:
    """24.11.2026, 14:05 (de) / 24 Nov 2026, 14:05 (en), in the box's local time."""
    ts = _parse_ts(value)
    if ts is None:
        return "–"
    if not isinstance(ts, datetime):
        return day(ts, lang)
    local = _local(ts)
    return f"{day(local.date(), lang)}, {local.hour:02d}:{local.minute:02d}"


def duration(seconds: float, lang: str) -> str:
    s = int(seconds)
    d, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m = rest // 60
    unit = "T" if lang == "de" else "d"
    return f"{d}{unit} {h}h {m:02d}m" if d else f"{h}h {m:02d}m"
