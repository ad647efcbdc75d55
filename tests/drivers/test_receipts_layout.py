"""Receipt layouts and money formatting (pure functions)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.receipts import (
    Document,
    checkout_receipt,
    format_money,
    format_quantity,
    format_rate,
    payout_slip,
    topup_slip,
)

BOX = {"name": "Café Anna", "address": "Hauptstr. 1\n12345 Musterstadt", "vat_id": "DE123456789"}


@pytest.mark.parametrize(
    ("minor", "de", "en"),
    [
        (123456, "1.234,56 €", "€1,234.56"),
        (0, "0,00 €", "€0.00"),
        (5, "0,05 €", "€0.05"),
        (-250, "-2,50 €", "-€2.50"),
        (100000000, "1.000.000,00 €", "€1,000,000.00"),
        (99999, "999,99 €", "€999.99"),
    ],
)
def test_format_money(minor: int, de: str, en: str) -> None:
    assert format_money(minor) == de
    assert format_money(minor, locale="en") == en


def test_format_money_rejects_floats_and_other_currencies() -> None:
    with pytest.raises(TypeError):
        format_money(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_money(True)
    assert format_money(1050, "CHF") == "10,50 CHF"
    assert format_money(1050, "CHF", "en") == "CHF 10.50"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_format_money_round_trips(minor: int) -> None:
    text = format_money(minor).removesuffix(" €")
    assert int(text.replace(".", "").replace(",", "")) == minor
    en = format_money(minor, locale="en").replace("€", "")
    assert int(en.replace(",", "").replace(".", "")) == minor


def test_rates_and_quantities() -> None:
    assert format_rate(1900) == "19 %"
    assert format_rate(550) == "5,5 %"
    assert format_rate(705, "en") == "7.05%"
    assert format_quantity("2") == "2"
    assert format_quantity("0.500") == "0,5"
    assert format_quantity("1.25", "en") == "1.25"


CHECKOUT = {
    "receipt_no": "T1-000124",
    "at": "2026-11-24T05:00:00Z",
    "customer": {"display_name": "Muster GmbH", "customer_number": "K-2002"},
    "lines": [
        {"name": "Kaffee", "quantity": "3", "unit_price": 300, "gross": 900,
         "discount_percent": "5", "discount": 45, "total": 855, "vat_rate_bp": 1900},
        {"name": "Kuchen", "quantity": "1", "unit_price": 350, "gross": 350,
         "discount": 0, "total": 350, "vat_rate_bp": 700},
    ],
    "total": 1205,
    "vat": [{"rate_bp": 1900, "net": 855, "vat": 162, "gross": 1017},
            {"rate_bp": 700, "net": 350, "vat": 25, "gross": 375}],
    "from_bonus": 200, "from_cash": 505,
    "tenders": [{"type": "credit", "amount": None}, {"type": "cash", "amount": 500}],
    "points_redeemed": 50, "points_earned": 12,
    "cash": 1495, "bonus": 0, "points": 62,
}  # fmt: skip


def test_checkout_receipt_contents() -> None:
    doc = checkout_receipt(BOX, CHECKOUT, width=42)
    text = doc.text()
    lines = text.splitlines()
    assert all(len(line) <= 42 for line in lines)
    assert "C a f é   A n n a" in lines[0]  # double width header
    assert "12345 Musterstadt" in text and "DE123456789" in text
    assert "Kunde: Muster GmbH (K-2002)" in text
    assert any(line.startswith("Kaffee") and line.endswith("9,00 € A") for line in lines)
    assert "  3 × 3,00 €" in lines
    (discount,) = [line for line in lines if line.startswith("  Rabatt 5 %")]
    assert discount.endswith("-0,45 €  ")
    item = next(line for line in lines if line.startswith("Kaffee"))
    assert discount.rindex("€") == item.rindex("€")  # amounts share one column
    assert any(line.startswith("SUMME") and line.endswith("12,05 €") for line in lines)
    assert any(line.startswith("A 19 %") and line.endswith("10,17 €") for line in lines)
    assert any(line.startswith("B 7 %") and "0,25 €" in line for line in lines)
    assert "Steuerschuldnerschaft" not in text  # a gross sale carries no reverse-charge note
    assert any(line.startswith("Bezahlt mit Bonus") and line.endswith("2,00 €") for line in lines)
    assert any(line.startswith("Bar") and line.endswith("5,00 €") for line in lines)
    assert any(line.startswith("Punkte eingelöst") and line.endswith("50") for line in lines)
    assert any(line.startswith("  Guthaben") and line.endswith("14,95 €") for line in lines)
    assert any(line.startswith("  Punkte") and line.endswith("62") for line in lines)


def test_no_reverse_charge_note_in_gross_mode_and_english_labels() -> None:
    text = checkout_receipt(BOX, CHECKOUT, locale="en", width=32).text()
    assert "reverse charge" not in text.lower()
    assert "TOTAL" in text and "€12.05" in text
    assert all(len(line) <= 32 for line in text.splitlines())


def test_topup_and_payout_slips() -> None:
    topup = {"amount": 5000, "bonus_granted": 500, "cash": 6500, "bonus": 500,
             "customer": {"display_name": "Jürgen"}, "receipt_no": "T1-9"}  # fmt: skip
    text = topup_slip(BOX, topup).text()
    assert "A U F L A D U N G" in text
    assert any(li.startswith("Aufgeladen") and li.endswith("50,00 €") for li in text.splitlines())
    assert any(li.startswith("Bonus gutgeschrieben") for li in text.splitlines())
    payout = {"amount": 1234, "cash": 0, "bonus": 0, "customer": {"display_name": "Jürgen"}}
    text = payout_slip(BOX, payout, locale="en").text()
    assert "P A Y O U T" in text and "€12.34" in text and "Customer signature" in text


def test_pairs_relayout_when_the_euro_sign_becomes_eur() -> None:
    doc = Document(width=24)
    doc.pair("Zwischensumme", "12,34 €")
    assert doc.text() == "Zwischensumme" + " " * 4 + "12,34 €\n"
    # On a printer without €, the amount grows and the label column shrinks.
    assert doc.text(lambda t: t.replace("€", "EUR")) == "Zwischensumme" + " " * 2 + "12,34 EUR\n"


@pytest.mark.parametrize(
    ("minor", "currency", "de", "en"),
    [
        (1235, "JPY", "1.235 ¥", "¥1,235"),
        (-1234567, "KWD", "-1.234,567 KWD", "-KWD 1,234.567"),
        (10**17 + 1, "EUR", "1.000.000.000.000.000,01 €", "€1,000,000,000,000,000.01"),
    ],
)
def test_format_money_in_the_currencys_own_digits(
    minor: int, currency: str, de: str, en: str
) -> None:
    assert format_money(minor, currency) == de  # plain spaces: a printer's cells are fixed
    assert format_money(minor, currency, "en") == en


def test_a_receipt_in_yen_has_no_minor_digits() -> None:
    text = checkout_receipt(BOX, CHECKOUT, currency="JPY").text()
    lines = text.splitlines()
    assert any(line.startswith("SUMME") and line.endswith("1.205 ¥") for line in lines)
    assert "  3 × 300 ¥" in lines
    assert "," not in "".join(line for line in lines if line.startswith("SUMME"))
