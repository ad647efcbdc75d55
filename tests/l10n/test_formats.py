"""Babel formatting from integer minor units: the currency's own exponent, no floats."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import l10n
from l10n.formats import exponent

NB = "\u00a0"


@pytest.mark.parametrize(
    ("currency", "digits"), [("EUR", 2), ("JPY", 0), ("KWD", 3), ("CHF", 2), ("jpy", 0)]
)
def test_exponent_is_the_currencys_own(currency: str, digits: int) -> None:
    assert exponent(currency) == digits


@pytest.mark.parametrize(
    ("minor", "currency", "de", "en"),
    [
        (1250, "EUR", f"12,50{NB}€", "€12.50"),
        (-123456, "EUR", f"-1.234,56{NB}€", "-€1,234.56"),
        (1235, "JPY", f"1.235{NB}¥", "¥1,235"),
        (-7, "JPY", f"-7{NB}¥", "-¥7"),
        (1234567, "KWD", f"1.234,567{NB}KWD", f"KWD{NB}1,234.567"),
        (-5, "KWD", f"-0,005{NB}KWD", f"-KWD{NB}0.005"),
        (150, "CHF", f"1,50{NB}CHF", f"CHF{NB}1.50"),
        (1250, "USD", f"12,50{NB}$", "$12.50"),
    ],
)
def test_money(minor: int, currency: str, de: str, en: str) -> None:
    assert l10n.money(minor, currency, "de") == de
    assert l10n.money(minor, currency, "en") == en


def test_large_amounts_are_exact_without_float() -> None:
    # A float has 53 bits: 10**17 + 1 would come out as ...000,00.
    minor = 10**17 + 1
    assert float(minor) / 100 == float(10**15)  # what a float path would print
    assert l10n.money(minor, "EUR", "de") == f"1.000.000.000.000.000,01{NB}€"
    assert l10n.money(minor, "EUR", "en") == "€1,000,000,000,000,000.01"
    assert l10n.money(minor, "JPY", "en") == "¥100,000,000,000,000,001"
    assert l10n.money(-minor, "KWD", "de") == f"-100.000.000.000.000,001{NB}KWD"
    assert l10n.minor_units(minor, "EUR") == Decimal("1000000000000000.01")


@given(st.integers(min_value=-(10**20), max_value=10**20), st.sampled_from(["EUR", "JPY", "KWD"]))
def test_every_digit_survives(minor: int, currency: str) -> None:
    for lang in l10n.LANGUAGES:
        text = l10n.money(minor, currency, lang)
        digits = "".join(c for c in text if c.isdigit())
        assert int(digits) == abs(minor)
        assert text.startswith("-") == (minor < 0)


@pytest.mark.parametrize("bad", [12.5, True, Decimal("12.50"), "1250"])
def test_money_takes_integer_minor_units_only(bad: object) -> None:
    with pytest.raises(TypeError):
        l10n.money(bad, "EUR", "de")  # type: ignore[arg-type]


def test_figures_for_form_fields() -> None:
    assert l10n.figures(123456, "EUR", "de") == "1234,56"
    assert l10n.figures(-5, "EUR", "en") == "-0.05"
    assert l10n.figures(1235, "JPY", "de") == "1235"
    assert l10n.figures(1234567, "KWD", "en") == "1234.567"


def test_numbers_rates_quantities_dates() -> None:
    assert l10n.number(-1234567, "de") == "-1.234.567"
    assert l10n.number(10**18 + 1, "en") == "1,000,000,000,000,000,001"
    assert l10n.plain(l10n.percent(550, "de")) == "5,5 %"
    assert l10n.percent(705, "en") == "7.05%"
    assert l10n.decimal("0.500", "de") == "0,5"
    assert l10n.decimal("12345.125", "en") == "12345.125"  # exact, no grouping
    assert l10n.day(date(2026, 11, 24), "de") == "24.11.2026"
    assert l10n.day(date(2026, 11, 24), "en") == "24 Nov 2026"
    assert l10n.time_of_day(datetime(2026, 11, 24, 9, 5), "en") == "09:05"


def test_language_and_plain() -> None:
    assert [l10n.language(x) for x in ("de", "de_DE", "de-AT", "en", "fr")] == [
        "de", "de", "de", "en", "en",
    ]  # fmt: skip
    assert l10n.plain(f"12,50{NB}€") == "12,50 €"
