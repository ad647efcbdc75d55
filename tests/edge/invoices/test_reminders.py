"""Dunning reminders as letters (BACKOFFICE §9): each notice the run wrote is
listed on its invoice and served as a PDF/A-3 that names the invoice, the
level, what is owed and the new deadline; made once, then kept."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

from pypdf import PdfReader

from edge.invoices.dunning import dunning_run
from edge.platform.actor import Actor
from edge.platform.clock import now_iso
from tests.edge.invoices.conftest import DUE


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_a_reminder_letter_names_invoice_level_amounts_and_deadline(
    box,
    issued,
    manager,
):
    iid = issued(100000, first_name="Ida", last_name="Kern", city="Leipzig", postal_code="04109")
    number = (
        box.db.reader().execute("SELECT number FROM invoices WHERE id = ?", [iid]).fetchone()[0]
    )
    assert manager.get(f"/invoices/{iid}/reminders").get_json() == {"items": []}
    on = DUE + timedelta(days=box.config.dunning.level1_days)
    box.db.write(lambda c: dunning_run(c, box.config, Actor("t", now_iso()), on))
    (notice,) = manager.get(f"/invoices/{iid}/reminders").get_json()["items"]
    assert (notice["level"], notice["run_date"], notice["pdf"]) == (1, on.isoformat(), False)
    first = manager.get(f"/invoices/{iid}/reminders/1/pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    words = text_of(first.data)
    assert number in words and "Kern" in words
    assert "1.000,00" in words  # the open principal, as a German letter writes it
    deadline = date.fromisoformat(notice["deadline"])
    assert deadline.strftime("%d.%m.%Y") in words
    again = manager.get(f"/invoices/{iid}/reminders/1/pdf")
    assert again.data == first.data  # kept, not made anew
    assert manager.get(f"/invoices/{iid}/reminders").get_json()["items"][0]["pdf"] is True


def test_missing_reminders_and_levels_are_404(box, issued, manager):
    iid = issued()
    for path in (f"/invoices/{iid}/reminders/1/pdf", f"/invoices/{iid}/reminders/4/pdf",
                 f"/invoices/{iid}/reminders/x/pdf", "/invoices/999999/reminders"):  # fmt: skip
        r = manager.get(path)
        assert (r.status_code, r.get_json()["code"]) == (404, "not_found"), path
