"""The money operations by name, and the one path every client books through.

A POS request and a panel form both :func:`submit` an operation by name with
plain data: it runs exactly once per idempotency key, in one durable
transaction with the key's record, in this process's single writer — or,
in an API worker, in the primary's (edge/serving/primary_writes.py), which
runs the same :func:`operation_txn`. By name, so that a worker can hand one
over with plain data. Imports ``edge.platform`` and the money package; how
a refusal is answered (the API's problem+json) is passed in as
:class:`~edge.platform.idempotency.Refusals`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from edge.money import checkout, reversals, service
from edge.money.basket import BasketIn
from edge.money.booking import Answer, Txn
from edge.platform import idempotency
from edge.platform.actor import Actor
from edge.platform.box import Box
from edge.platform.idempotency import IdemKey, Outcome, Refusals


def _checkout(txn: Txn, basket: BasketIn | dict[str, Any]) -> Answer:
    if isinstance(basket, dict):  # from an API worker, already validated there
        basket = BasketIn.model_validate(basket)
    return checkout.price(txn.conn, txn.config, basket, commit=True, actor=txn.actor)


def _after_checkout(box: Box, body: dict[str, Any]) -> None:
    devices = box.services.get("devices")  # display + printer wake-up
    if devices is not None:
        devices.after_checkout(body)


@dataclass(frozen=True)
class Operation:
    run: Callable[..., Answer]  # run(txn, *args)
    after: Callable[[Box, dict[str, Any]], None] | None = None  # once durable, first time only


OPERATIONS = {
    "topup": Operation(service.topup),
    "payment": Operation(service.payment),
    "refund": Operation(reversals.refund),
    "void_topup": Operation(reversals.void_topup),
    "payout": Operation(service.payout),
    "correction": Operation(service.correction),
    "checkout": Operation(_checkout, after=_after_checkout),
}


@dataclass(frozen=True)
class Booking:
    """One operation by name with plain data, under its key: what a client submits."""

    key: IdemKey | None
    name: str
    actor: Actor
    args: Sequence[Any]


def operation_txn(
    box: Box, booking: Booking, refusals: Refusals
) -> Callable[[sqlite3.Connection], Any]:
    """The named operation as the writer runs it, guarded by its key
    (an unknown name is a ``KeyError``: nothing runs)."""
    op = OPERATIONS[booking.name]
    return idempotency.guarded(
        booking.key,
        lambda conn: op.run(Txn(conn, box.config, booking.actor), *booking.args),
        refusals,
    )


def settle_operation(box: Box, key: IdemKey | None, name: str, committed: Any) -> Outcome:
    """Once :func:`operation_txn` is durable: its answer, and the follow-up
    (display, printer) the first time only."""
    outcome, body = idempotency.settle(key, committed)
    after = OPERATIONS[name].after
    if body is not None and after is not None:
        after(box, body)
    return outcome


def submit(box: Box, booking: Booking, refusals: Refusals) -> Outcome:
    """Run the booking exactly once per key: in the primary process when this
    is an API worker (one writer batches every client's operations, where two
    processes would take turns committing), else in this process's writer.
    Raises ``Unavailable`` when the primary cannot confirm it (resend with
    the same key)."""
    primary = box.services.get("primary_writes")
    if primary is not None:
        b = booking
        return primary.run(b.key, b.name, b.actor, tuple(b.args))  # type: ignore[no-any-return]
    committed = box.db.write(operation_txn(box, booking, refusals))
    return settle_operation(box, booking.key, booking.name, committed)
