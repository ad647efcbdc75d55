"""Money, numbers and dates as Babel writes them for ``de`` and ``en``.

Money stays integer minor units up to the last step: the amount becomes a
:class:`~decimal.Decimal` by moving the point by the currency's own exponent
(JPY 0, EUR 2, KWD 3), never through a float, so any balance prints exactly.
Output uses CLDR's no-break spaces; :func:`plain` turns them into ordinary
spaces for printers and pole displays.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from babel.dates import format_date, format_time
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
    get_currency_symbol,
)

from l10n.catalogs import language

NBSP = "\u00a0"
# Babel locale per panel language; "en" is CLDR's root English ($, ¥, € prefixed).
LOCALES = {"de": "de_DE", "en": "en"}
# Dates as the shops read them in both languages: day first, 24-hour clock.
DATE_PATTERNS = {"de": "dd.MM.y", "en": "d MMM y"}
TIME_PATTERN = "HH:mm"


def _locale(lang: str) -> str:
    return LOCALES[language(lang)]


def exponent(currency: str) -> int:
    """Digits after the decimal point of ``currency`` (ISO 4217): EUR 2, JPY 0."""
    return int(get_currency_precision(currency.upper()))


def minor_units(minor: int, currency: str) -> Decimal:
    """``1250`` EUR → ``Decimal("12.50")``; integers only (never a float or bool)."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError(f"money must be integer minor units, got {minor!r}")
    return Decimal(minor).scaleb(-exponent(currency))


def money(minor: int, currency: str, lang: str) -> str:
    """``1234,56 €``-style amount: 1.234,56 € (de), €1,234.56 (en), minus in front."""
    code = currency.upper()
    loc = _locale(lang)
    text = format_currency(minor_units(minor, code), code, locale=loc)
    return _space_after_letters(text, get_currency_symbol(code, locale=loc))


def _space_after_letters(text: str, symbol: str) -> str:
    # CLDR's currencySpacing, which Babel does not apply: a symbol ending in a
    # letter ("CHF") in front of the digits gets a no-break space, "€" does not.
    sign = "-" if text.startswith("-") else ""
    rest = text[len(sign) :]
    if not rest.startswith(symbol) or not rest[len(symbol) : len(symbol) + 1].isdigit():
        return text
    if unicodedata.category(symbol[-1])[0] in "SZ":
        return text
    return f"{sign}{symbol}{NBSP}{rest[len(symbol) :]}"


def figures(minor: int, currency: str, lang: str) -> str:
    """The amount alone, as typed into a form: 1234,50 (de); no symbol, no grouping."""
    digits = exponent(currency)
    pattern = "0." + "0" * digits if digits else "0"
    return format_decimal(minor_units(minor, currency), pattern, locale=_locale(lang))


def number(n: int, lang: str) -> str:
    """A whole number with the language's grouping: 1.234.567 (de), 1,234,567 (en)."""
    return format_decimal(int(n), locale=_locale(lang))


def decimal(value: object, lang: str) -> str:
    """A decimal string ("0.500", "2") exactly, without grouping: 0,5 (de)."""
    text = str(value).strip()
    try:
        exact = Decimal(text)
    except InvalidOperation:
        return text  # a receipt prints what the checkout said rather than nothing
    return format_decimal(
        exact, locale=_locale(lang), decimal_quantization=False, group_separator=False
    )


def percent(basis_points: int, lang: str) -> str:
    """1900 → 19 % (de) / 19% (en); 550 → 5,5 %; every digit kept."""
    share = Decimal(int(basis_points)).scaleb(-4)
    return format_percent(share, locale=_locale(lang), decimal_quantization=False)


def day(value: date, lang: str) -> str:
    """24.11.2026 (de) / 24 Nov 2026 (en)."""
    return format_date(value, DATE_PATTERNS[language(lang)], locale=_locale(lang))


def time_of_day(value: datetime, lang: str) -> str:
    """14:05 in both languages; ``value`` is already in the zone to show."""
    return format_time(value.time(), TIME_PATTERN, locale=_locale(lang))


def plain(text: str) -> str:
    """Ordinary spaces for fixed-cell devices (printer, pole display)."""
    return text.replace(NBSP, " ").replace("\u202f", " ")
