"""The dunning reminder letter: the invoice, what is owed (principal, fees,
interest, flat fee, their sum) and the new deadline, titled by its level."""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pytest
from pypdf import PdfReader

from edge.invoices.einvoice import Reminder, render_reminder
from tests.edge.invoices.einvoice import samples


def reminder(**changes: object) -> Reminder:
    r = Reminder(
        level=2,
        issue_date=date(2027, 1, 20),
        deadline=date(2027, 2, 3),
        seller=samples.SELLER,
        buyer=samples.BUYER,
        invoice_number="RE-2026-00017",
        invoice_date=date(2026, 12, 4),
        invoice_due_date=date(2027, 1, 3),
        currency="EUR",
        principal=4839,
        fees=500,
        interest=25,
        flat_fee=4000,
        interest_bp_per_year=900,
    )
    return dataclasses.replace(r, **changes)  # type: ignore[arg-type]


def text(pdf: bytes) -> str:
    r = PdfReader(io.BytesIO(pdf))
    return "\n".join(p.extract_text() for p in r.pages).replace("\u00a0", " ")


def test_level_two_lists_invoice_amounts_and_deadline() -> None:
    pdf = render_reminder(reminder())
    assert pdf.startswith(b"%PDF-")
    t = text(pdf)
    for expected in (
        "2. Mahnung",
        "Mahnstufe",
        "RE-2026-00017",
        "04.12.2026",
        "03.01.2027",
        "Offener Rechnungsbetrag",
        "48,39 €",
        "Mahngebühren",
        "5,00 €",
        "Verzugszinsen (9 % p. a.)",
        "0,25 €",
        "Verzugspauschale (§ 288 Abs. 5 BGB)",
        "40,00 €",
        "Bitte zahlen Sie 93,64 € bis zum 03.02.2027.",
    ):
        assert expected in t, expected


def test_total_is_principal_fees_interest_and_flat_fee() -> None:
    assert reminder().total == 4839 + 500 + 25 + 4000


def test_level_one_without_charges_shows_only_the_principal_in_english() -> None:
    t = text(render_reminder(reminder(level=1, fees=0, interest=0, flat_fee=0, language="en")))
    assert "Payment reminder" in t
    assert "Please pay €48.39 by 3 Feb 2027." in t
    assert "Dunning fees" not in t and "Default interest" not in t


def test_level_three_is_the_final_reminder() -> None:
    assert "3. Mahnung" in text(render_reminder(reminder(level=3)))
    assert "Final reminder" in text(render_reminder(reminder(level=3, language="en")))


@pytest.mark.parametrize(
    "changes",
    [{"level": 0}, {"level": 4}, {"fees": -1}, {"principal": 12.5}, {"interest": True}],
)
def test_nonsense_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        reminder(**changes)


def test_the_reminder_is_pdfa3b_too() -> None:
    r = PdfReader(io.BytesIO(render_reminder(reminder())))
    meta = r.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in meta
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in meta
    assert r.trailer["/Root"]["/OutputIntents"]
