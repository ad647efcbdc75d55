"""A box with a seller (invoices need box.vat_id and box.address) and
house-account customers, as for the invoice tests; ``subscribe(cid, …)``
writes a subscription and returns its id; ``at(day)`` is an actor on that
day at 08:00 in the box's time zone (Europe/Berlin, UTC+1 or +2)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from edge.platform.actor import Actor
from edge.platform.box import Box
from edge.subscriptions import store
from tests.edge.invoices.conftest import add_customer, config  # noqa: F401  (fixture)


def at(day: date) -> Actor:
    return Actor("test:billing", f"{day.isoformat()}T06:00:00.000000Z")


def add_subscription(box: Box, customer_id: int, **fields: Any) -> int:
    fields = {"description": "Wartungsvertrag", "amount": 11900, "vat_rate_bp": 1900,
              "interval": "monthly", "start_date": date(2027, 1, 31), **fields}  # fmt: skip
    actor = at(fields["start_date"])
    return int(
        box.db.write(lambda conn: store.create(conn, actor, customer_id=customer_id, **fields))
    )


@pytest.fixture
def house(box: Box):  # type: ignore[no-untyped-def]
    return lambda **fields: add_customer(box, **fields)


@pytest.fixture
def subscribe(box: Box):  # type: ignore[no-untyped-def]
    return lambda cid, **fields: add_subscription(box, cid, **fields)
