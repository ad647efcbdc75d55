"""A box with a seller and a SEPA creditor, and a debtor whose SEPA
subscription invoice of today waits for the next file — dated from the real
clock, since the panel makes files "today"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from edge.invoices.book import box_date
from edge.platform.box import Box
from edge.platform.clock import now_iso
from tests.edge.invoices.conftest import SELLER, add_customer
from tests.edge.sepa.conftest import CREDITOR, IBAN, bill, set_mandate, subscribe

OVERRIDES: dict[str, Any] = {**SELLER, **CREDITOR}


def due_invoice(box: Box, *, city: str = "Köln", ref: str = "ABO-1") -> dict[str, Any]:
    """A customer with a mandate signed 10 days ago and today's SEPA invoice."""
    today = box_date(box.config, now_iso())
    cid = add_customer(box, first_name="Jörg", last_name="Müller & Söhne", city=city,
                       country="DE", street="Domstraße", house_number="1",
                       postal_code="50667")  # fmt: skip
    signed = today - timedelta(days=10)
    set_mandate(box, cid, signed, iban=IBAN, sepa_mandate_reference=ref,
                sepa_mandate_date=signed.isoformat())  # fmt: skip
    subscribe(box, cid, today)
    billed = [b for b in bill(box, today) if int(b["customer_id"]) == cid]
    (inv,) = billed
    row = box.db.reader().execute("SELECT * FROM invoices WHERE number = ?", [inv["number"]])
    return dict(row.fetchone())
