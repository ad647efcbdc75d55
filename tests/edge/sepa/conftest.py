"""A box with a seller, a SEPA creditor (config ``[sepa]``) and customers
whose mandate is written through the customer fields, as the panel and the
API do: ``debtor(ref=…, iban=…)`` returns the customer id; ``sepa_invoice``
issues a SEPA subscription invoice for a day; ``at(day)`` is an actor on
that day at 07:00 in the box's time zone."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from edge.customers.edit import update_customer
from edge.platform.actor import Actor
from edge.platform.box import Box
from edge.platform.config import Config, load_config
from edge.subscriptions import billing, store
from tests.edge.invoices.conftest import SELLER, add_customer

CREDITOR = {
    "sepa.creditor_name": "Baustoffe Lind",
    "sepa.creditor_id": "DE98ZZZ09999999999",
    "sepa.iban": "DE89370400440532013000",
    "sepa.bic": "COBADEFFXXX",
    "sepa.town": "Dresden",
    "sepa.postcode": "01067",
    "sepa.street": "Hauptstr.",
    "sepa.building": "1",
    "sepa.return_fee": 300,
}
IBAN = "DE02120300000000202051"  # Deutsche Kreditbank, a valid checksum
OTHER_IBAN = "DE02500105170137075030"  # ING, another bank


def at(day: date) -> Actor:
    return Actor("test:sepa", f"{day.isoformat()}T06:00:00.000000Z")


@pytest.fixture
def config(tmp_path) -> Config:  # type: ignore[no-untyped-def]
    return load_config(
        overrides={"box.data_dir": str(tmp_path / "data"), **SELLER, **CREDITOR}, environ={}
    )


def set_mandate(box: Box, cid: int, day: date, **fields: Any) -> None:
    actor = at(day)
    box.db.write(
        lambda conn: update_customer(
            conn, cid, fields, config=box.config, actor=actor.name, now=actor.at
        )
    )


@pytest.fixture
def debtor(box: Box):  # type: ignore[no-untyped-def]
    def make(ref: str = "ABO-1", iban: str = IBAN, signed: date = date(2027, 1, 10)) -> int:
        cid = add_customer(box, first_name="Jörg", last_name="Müller & Söhne", city="Köln",
                           country="DE", street="Domstraße", house_number="1",
                           postal_code="50667")  # fmt: skip
        set_mandate(box, cid, signed, iban=iban, sepa_mandate_reference=ref,
                    sepa_mandate_date=signed.isoformat())  # fmt: skip
        return cid

    return make


def subscribe(box: Box, cid: int, start: date) -> int:
    actor = at(start)
    return int(
        box.db.write(
            lambda conn: store.create(
                conn,
                actor,
                customer_id=cid,
                description="Wartungsvertrag",
                amount=11900,
                vat_rate_bp=1900,
                interval="monthly",
                start_date=start,
                sepa=True,
            )
        )
    )


def bill(box: Box, day: date) -> list[dict[str, Any]]:
    result = billing.bill(box.db, box.config, at(day), day)
    assert not result["failed"], result["failed"]
    return result["billed"]  # type: ignore[no-any-return]
