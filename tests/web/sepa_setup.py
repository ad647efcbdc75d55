"""A box with a seller and a SEPA creditor, and a debtor whose SEPA
subscription invoice of today waits for the next file — dated from the real
clock, since the panel makes files "today"."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from edge.invoices.book import box_date
from edge.platform.box import Box
from edge.platform.clock import now_iso
from edge.sepa import collections
from tests.edge.invoices.conftest import SELLER, add_customer
from tests.edge.sepa.conftest import CREDITOR, IBAN, at, bill, set_mandate, subscribe

OVERRIDES: dict[str, Any] = {**SELLER, **CREDITOR}


def today(box: Box) -> date:
    return box_date(box.config, now_iso())


def due_invoice(
    box: Box, *, city: str = "Köln", ref: str = "ABO-1", days_ago: int = 0
) -> dict[str, Any]:
    """A customer with a mandate signed 10 days before and a SEPA invoice of
    ``days_ago`` days ago (billed then)."""
    day = today(box) - timedelta(days=days_ago)
    cid = add_customer(box, first_name="Jörg", last_name="Müller & Söhne", city=city,
                       country="DE", street="Domstraße", house_number="1",
                       postal_code="50667")  # fmt: skip
    signed = day - timedelta(days=10)
    set_mandate(box, cid, signed, iban=IBAN, sepa_mandate_reference=ref,
                sepa_mandate_date=signed.isoformat())  # fmt: skip
    subscribe(box, cid, day)
    billed = [b for b in bill(box, day) if int(b["customer_id"]) == cid]
    (inv,) = billed
    row = box.db.reader().execute("SELECT * FROM invoices WHERE number = ?", [inv["number"]])
    return dict(row.fetchone())


def file_made_on(box: Box, day: date) -> str:
    """A file made by the domain on a past ``day`` (the panel makes today's):
    its id, so the bank can have collected it by now."""
    return str(collections.make_file(box.db, box.config, at(day), day)["id"])
