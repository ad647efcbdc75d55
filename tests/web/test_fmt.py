"""Locale-aware money and dates: integer arithmetic end to end."""

from __future__ import annotations

import pytest

from web import fmt


@pytest.mark.parametrize(
    ("minor", "de", "en"),
    [
        (0, "0,00\u00a0€", "€0.00"),
        (5, "0,05\u00a0€", "€0.05"),
        (123456, "1.234,56\u00a0€", "€1,234.56"),
        (-123456, "-1.234,56\u00a0€", "-€1,234.56"),
        (10**12, "10.000.000.000,00\u00a0€", "€10,000,000,000.00"),
    ],
)
def test_money(minor: int, de: str, en: str) -> None:
    assert fmt.money(minor, "EUR", "de") == de
    assert fmt.money(minor, "EUR", "en") == en


def test_money_other_currencies() -> None:
    assert fmt.money(150, "CHF", "de") == "1,50\u00a0CHF"
    assert fmt.money(150, "CHF", "en") == "CHF\u00a01.50"
    assert fmt.money(150, "SEK", "en") == "SEK\u00a01.50"


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("12,50", 1250),
        ("12.50", 1250),
        ("12", 1200),
        ("0,5", 50),
        ("1.234", 123400),
        ("1,234", 123400),
        ("1.234,56", 123456),
        ("1,234.56", 123456),
        ("€ 5", 500),
        ("5 €", 500),
        ("10000000000", 10**12),
        ("0.07", 7),
    ],
)
def test_parse_money(text: str, minor: int) -> None:
    assert fmt.parse_money(text, currency="EUR") == minor


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "err_amount_missing"),
        ("abc", "err_amount_format"),
        ("1e3", "err_amount_format"),
        ("-5", "err_amount_positive"),
        ("10000000000,01", "err_amount_too_large"),
        (",", "err_amount_format"),
    ],
)
def test_parse_money_errors(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        fmt.parse_money(text, currency="EUR")


def test_parse_signed_and_round_trip() -> None:
    assert fmt.parse_money("-3,20", currency="EUR", signed=True) == -320
    for minor in (0, 1, 99, 100, 123456, -320):
        for lang in ("de", "en"):
            text = fmt.minor_to_input(minor, lang, "EUR")
            assert fmt.parse_money(text, currency="EUR", signed=True) == minor


def test_dates() -> None:
    assert fmt.day("1985-06-15", "de") == "15.06.1985"
    assert fmt.day("1985-06-15", "en") == "15 Jun 1985"
    assert fmt.day(None, "de") == "–"
    assert fmt.when("garbage", "en") == "–"
    text = fmt.when("2026-11-24T12:05:00Z", "de")
    assert text.startswith(("24.11.2026", "25.11.2026")) and ":" in text  # box-local time


def test_numbers_and_duration() -> None:
    assert fmt.number(1234567, "de") == "1.234.567"
    assert fmt.number(-1234, "en") == "-1,234"
    assert fmt.duration(90061, "de") == "1T 1h 01m"
    assert fmt.duration(3600, "en") == "1h 00m"


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1.234", "JPY", 1234),
        ("1,234", "JPY", 1234),
        ("¥ 500", "JPY", 500),
        ("1,5", "KWD", 1500),
        ("1.234", "KWD", 1234),
        ("0,005", "KWD", 5),
        ("KWD 2", "KWD", 2000),
        ("1.234,567", "KWD", 1234567),
        ("12,50", "CHF", 1250),
        ("CHF 3", "CHF", 300),
    ],
)
def test_parse_money_in_the_currencys_own_digits(text: str, currency: str, minor: int) -> None:
    assert fmt.parse_money(text, currency=currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"), [("12,50", "JPY"), ("3.5", "JPY"), ("1,234.5", "JPY")]
)
def test_parse_money_refuses_more_digits_than_the_currency_has(text: str, currency: str) -> None:
    with pytest.raises(ValueError, match="err_amount_format"):
        fmt.parse_money(text, currency=currency)


def test_form_values_round_trip_in_every_exponent() -> None:
    for currency in ("JPY", "EUR", "KWD"):
        for minor in (0, 1, 999, 123456, -5):
            for lang in ("de", "en"):
                text = fmt.minor_to_input(minor, lang, currency)
                assert fmt.parse_money(text, currency=currency, signed=True) == minor
    assert fmt.minor_to_input(1250, "de", "EUR") == "12,50"
    assert fmt.minor_to_input(1250, "en", "JPY") == "1250"
    assert fmt.minor_to_input(1250, "de", "KWD") == "1,250"
