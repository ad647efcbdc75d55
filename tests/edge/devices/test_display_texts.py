"""The pole display's texts: catalog entries in ``devices.language``, money in
the box's currency with its own digits (20 columns, plain spaces)."""

from __future__ import annotations

from edge.devices.taps import checkout_lines, greeting
from edge.platform.config import Config


def config(currency: str = "EUR", language: str = "de") -> Config:
    return Config.model_validate({"box": {"currency": currency}, "devices": {"language": language}})


CUSTOMER = {"display_name": "Jürgen Groß", "cash": 1000, "bonus": 250}


def test_greetings_in_both_languages() -> None:
    assert greeting(config(), CUSTOMER) == ["Jürgen Groß", "Guthaben 12,50 €"]
    assert greeting(config(language="en"), CUSTOMER) == ["Jürgen Groß", "Balance €12.50"]
    assert greeting(config(), None) == ["Karte unbekannt", "Bitte an der Kasse"]
    assert greeting(config(language="en"), None, "lost") == ["Card blocked", "Please ask the staff"]
    blocked = {**CUSTOMER, "blocked": True, "lock_text": "Hausverbot"}
    assert greeting(config(), blocked) == ["Gesperrt", "Hausverbot"]


def test_money_in_the_boxs_currency() -> None:
    body = {"total": 500, "cash": 1500, "bonus": 0}
    assert checkout_lines(config(), body) == ["Summe 5,00 €", "Guthaben 15,00 €"]
    assert checkout_lines(config("JPY"), body) == ["Summe 500 ¥", "Guthaben 1.500 ¥"]
    assert checkout_lines(config("KWD", "en"), body) == [
        "Total KWD 0.500",
        "New balance KWD 1.500",
    ]
