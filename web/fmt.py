"""Money, numbers and dates for the panel, and reading what staff type.

Writing goes through :mod:`l10n` (Babel, the same as receipts and the
display). Reading is the panel's own: a typed amount ("12,50", "12.50",
"1.234", "€ 5") becomes integer minor units of the box's currency with its
own exponent (JPY 0, EUR 2, KWD 3), without a float on the way.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from babel.numbers import get_currency_symbol

import l10n
from l10n.formats import exponent

MAX_AMOUNT = 10**12


def number(n: int, lang: str) -> str:
    return l10n.number(n, lang)


def money(minor: int, currency: str, lang: str) -> str:
    """1.234,56 € (de) / €1,234.56 (en); a minus sign goes in front."""
    return l10n.money(int(minor), currency, lang)


_AMOUNT = re.compile(r"^[+-]?[0-9.,\s\u00a0']*$")


def _without_currency(text: str, currency: str) -> str:
    code = currency.upper()
    for mark in {code, *(get_currency_symbol(code, locale=loc) for loc in l10n.LANGUAGES)}:
        text = re.sub(re.escape(mark), "", text, flags=re.IGNORECASE)
    return text.strip()


def parse_money(text: str, *, currency: str, signed: bool = False) -> int:
    """What staff type ("12,50", "1.234", "€ 5", "-3.20") → minor units of ``currency``.

    The decimal mark is the last ``,`` or ``.`` followed by one up to the
    currency's exponent of digits at the end; any other ``,``/``.`` is a
    thousands separator, so both languages' ways of typing read the same. A
    currency without minor units has no decimal mark: "12,50" yen is refused
    rather than read as 1250. Raises ValueError with a message key for the form.
    """
    digits = exponent(currency)
    raw = _without_currency(text.strip(), currency)
    if not raw:
        raise ValueError("err_amount_missing")
    if not _AMOUNT.match(raw):
        raise ValueError("err_amount_format")
    negative = raw.startswith("-")
    if negative and not signed:
        raise ValueError("err_amount_positive")
    body = re.sub(r"[\s\u00a0']", "", raw.lstrip("+-"))
    m = re.search(r"[.,]([0-9]+)$", body)
    if m and len(m.group(1)) <= digits:
        whole, frac = body[: m.start()], m.group(1)
    elif m and len(m.group(1)) < 3:
        raise ValueError("err_amount_format")  # "12,50" of a currency without cents
    else:
        whole, frac = body, ""
    whole = whole.replace(".", "").replace(",", "")
    if not whole and not frac:
        raise ValueError("err_amount_format")
    if not re.fullmatch(r"[0-9]{0,13}", whole):  # ASCII only: int() reads "١" and fails on "²"
        raise ValueError("err_amount_format")
    minor = int(whole or "0") * 10**digits + int(frac.ljust(digits, "0") or "0")
    if minor > MAX_AMOUNT:
        raise ValueError("err_amount_too_large")
    return -minor if negative else minor


def minor_to_input(minor: int | None, lang: str, currency: str) -> str:
    """An amount as it goes back into a form field (no symbol, no grouping)."""
    if minor is None:
        return ""
    return l10n.figures(int(minor), currency, lang)


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


def _local(ts: datetime) -> datetime:
    # Stored in UTC; staff read the box's own clock time.
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone()


def day(value: str | date | None, lang: str) -> str:
    """24.11.2026 (de) / 24 Nov 2026 (en)."""
    d = _parse_ts(value)
    if d is None:
        return "–"
    if isinstance(d, datetime):
        d = _local(d).date()
    return l10n.day(d, lang)


def when(value: str | datetime | None, lang: str) -> str:
    """24.11.2026, 14:05 (de) / 24 Nov 2026, 14:05 (en), in the box's local time."""
    ts = _parse_ts(value)
    if ts is None:
        return "–"
    if not isinstance(ts, datetime):
        return day(ts, lang)
    local = _local(ts)
    return f"{l10n.day(local.date(), lang)}, {l10n.time_of_day(local, lang)}"


def duration(seconds: float, lang: str) -> str:
    s = int(seconds)
    d, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m = rest // 60
    unit = "T" if lang == "de" else "d"
    return f"{d}{unit} {h}h {m:02d}m" if d else f"{h}h {m:02d}m"
