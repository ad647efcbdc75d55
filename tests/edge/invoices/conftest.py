"""A box with house-account customers: ``house(**fields)`` writes a customer
row with the given columns (allow_invoice_payment on unless told) and
returns its id."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest

from edge.invoices import book
from edge.money.basket import LineIn
from edge.platform.actor import Actor
from edge.platform.box import Box
from edge.platform.clock import now_iso
from edge.platform.config import Config, load_config
from tests.support.live import insert_customer

_numbers = itertools.count(50000)


def add_customer(box: Box, **fields: Any) -> int:
    fields = {"allow_invoice_payment": 1, **fields}

    def txn(conn):  # type: ignore[no-untyped-def]
        cid = insert_customer(conn, next(_numbers), fields.pop("display_name", "Kunde"), "t")
        sets = ", ".join(f"{k} = ?" for k in fields)
        conn.execute(f"UPDATE customers SET {sets} WHERE id = ?", [*fields.values(), cid])
        return cid

    return int(box.db.write(txn))


#: What §14 UStG and EN 16931 ask of the seller: a VAT id and an address.
SELLER = {
    "box.name": "Baustoffe Lind",
    "box.address": ["Hauptstr. 1", "01067 Dresden"],
    "box.vat_id": "DE136695976",
}


@pytest.fixture
def config(tmp_path) -> Config:  # type: ignore[no-untyped-def]
    return load_config(overrides={"box.data_dir": str(tmp_path / "data"), **SELLER}, environ={})


@pytest.fixture
def house(box: Box):  # type: ignore[no-untyped-def]
    return lambda **fields: add_customer(box, **fields)


#: The due date of the invoices ``issued`` makes.
DUE = date(2026, 11, 1)


@pytest.fixture
def issued(box, house):
    """An issued invoice of ``gross`` for a new customer, due on DUE."""

    def make(gross: int = 100000, **customer) -> int:
        cid = house(**customer)
        actor = Actor("t", now_iso())
        line = LineIn(name="Baustoff", quantity="1", unit_price=gross, vat_rate_bp=1900)

        def txn(conn):
            iid = book.create_draft(conn, box.config, actor, cid, [line])
            book.issue(conn, box.config, actor, iid)
            conn.execute("UPDATE invoices SET due_date = ? WHERE id = ?", [DUE.isoformat(), iid])
            return iid

        return box.db.write(txn)

    return make
