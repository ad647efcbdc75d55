"""What every money operation shares: the customer it may book for, the
operation it refers to, the shape of its answer. Imports ``edge.customers``,
``edge.errors``, ``edge.platform`` and the money package's journal.
"""

from __future__ import annotations

import sqlite3
from typing import Any, NamedTuple

from edge.customers.service import MoneyCustomer, load_for_money
from edge.errors import NotFound
from edge.money.journal import Balances, load_balances
from edge.platform.actor import Actor
from edge.platform.config import Config

#: A booked operation's answer: its JSON body and status.
Answer = tuple[dict[str, Any], int]


class Txn(NamedTuple):
    """What every operation books with: the writer's connection (inside its
    transaction), the box's configuration, and who books."""

    conn: sqlite3.Connection
    config: Config
    actor: Actor


def transactable(conn: sqlite3.Connection, config: Config, customer_id: int) -> MoneyCustomer:
    """Blocked and inactive customers: every money operation is refused."""
    customer = load_for_money(conn, customer_id, config)
    customer.require_transactable()
    return customer


def balances_to_book(conn: sqlite3.Connection, config: Config, customer_id: int) -> Balances:
    """The balances an operation on the customer's credit starts from, once
    the customer may book at all."""
    transactable(conn, config, customer_id)
    return load_balances(conn, customer_id)


def stored_operation(conn: sqlite3.Connection, op_id: int, kind: str) -> sqlite3.Row:
    """The operation a refund or void refers to (404 when it is not that kind)."""
    row = conn.execute(
        "SELECT id, kind, customer_id, amount, receipt_no, ref_id, details FROM operations"
        " WHERE id = ?",
        [op_id],
    ).fetchone()
    if row is None or row["kind"] != kind:
        raise NotFound(f"no {kind} {op_id}")
    return row  # type: ignore[no-any-return]


def answer(config: Config, body: dict[str, Any]) -> Answer:
    """A booked operation's answer: 201 with the box's currency."""
    body["currency"] = config.box.currency
    return body, 201
