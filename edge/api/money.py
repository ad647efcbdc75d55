"""Money routes: top-ups, payments, refunds, voids, payouts, corrections,
quotes and checkouts. Every one that moves money requires an
``Idempotency-Key`` and runs as one durable transaction (``idempotency.commit``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from flask import Response, g
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

from edge.api import idempotency
from edge.api.auth import current_actor, now_iso
from edge.api.context import current_box
from edge.api.problems import ApiError
from edge.api.registry import api
from edge.customers.service import parse_id
from edge.money import checkout as checkout_service
from edge.money import service
from edge.platform.box import Box
from edge.platform.config import Config

Amount = Annotated[StrictInt, Field(gt=0, le=10**12, description="minor units, > 0")]
ReceiptNo = Annotated[str, Field(min_length=1, max_length=64)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TopupIn(_In):
    amount: Amount
    receipt_no: ReceiptNo | None = None


class PaymentIn(_In):
    amount: Amount
    receipt_no: ReceiptNo | None = None
    allow_partial: StrictBool = False


class RefundIn(_In):
    amount: Amount


class VoidIn(_In):
    reason: Annotated[str, Field(max_length=500)] | None = None


class PayoutIn(_In):
    amount: Amount
    reason: Annotated[str, Field(max_length=500)] | None = None


class CorrectionIn(_In):
    account: Literal["cash", "bonus", "points"]
    amount: Annotated[StrictInt, Field(ge=-(10**12), le=10**12, description="signed, not 0")]
    reason: Annotated[str, Field(min_length=1, max_length=500)]

    @field_validator("amount")
    @classmethod
    def _not_zero(cls, v: int) -> int:
        if v == 0:
            raise ValueError("a correction of 0 changes nothing")
        return v

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("give a reason")
        return v.strip()


class LineIn(_In):
    sku: Annotated[str, Field(max_length=64)] | None = None
    name: Annotated[str, Field(max_length=200)] | None = None
    quantity: Annotated[str, Field(max_length=32)] | StrictInt = Field(
        "1", description='decimal with up to 3 places, e.g. "2" or "0.250"'
    )
    unit_price: Annotated[StrictInt, Field(ge=0, le=10**12)]
    vat_rate_bp: Annotated[StrictInt, Field(ge=0, le=10000)] = 0
    discountable: StrictBool = True


class TenderIn(_In):
    type: Literal["credit", "cash", "card", "voucher", "other"]
    amount: Annotated[StrictInt, Field(ge=0, le=10**12)] | None = Field(
        None, description="null on credit: as much of the open total as the balances allow"
    )


class BasketIn(_In):
    customer_id: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    card_uid: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    receipt_no: ReceiptNo | None = None
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=500)]
    redeem_points: Annotated[StrictInt, Field(ge=0, le=10**12)] = 0
    tenders: list[TenderIn] = Field(default_factory=list, max_length=10)
    print_receipt: StrictBool = False


def operation_id_of(raw: str, what: str) -> int:
    """Operation ids are opaque strings on the wire (rowids here)."""
    text = raw.strip()
    if not text.isdigit() or len(text) > 18:
        raise ApiError(404, "not_found", f"no {what} {raw}")
    return int(text)


def _actor() -> service.Actor:
    return service.Actor(current_actor(), now_iso())


def _run(name: str, *args: Any) -> Response:
    """Run the named operation, in the primary process when this is an API
    worker (edge/primary_writes.py): one writer batches every terminal's
    operations, where two processes would take turns committing."""
    box = current_box()
    key = g.get("idempotency")
    primary = box.services.get("primary_writes")
    if primary is not None:
        return primary.run(key, name, _actor(), args).response()  # type: ignore[no-any-return]
    return run_operation(box, key, name, _actor(), args).response()


MONEY_ERRORS = (404, 409, 422)


@api.route(
    "/customers/<customer_id>/topups",
    "POST",
    scope="pos",
    summary="Top up credit",
    tags=("money",),
    body=TopupIn,
    status=201,
    idempotency_key="required",
    errors=MONEY_ERRORS,
)
def create_topup(customer_id: str, body: TopupIn) -> Response:
    return _run("topup", parse_id(customer_id), body.amount, body.receipt_no)


@api.route(
    "/customers/<customer_id>/payments",
    "POST",
    scope="pos",
    summary="Pay from credit, bonus first",
    tags=("money",),
    body=PaymentIn,
    status=201,
    idempotency_key="required",
    errors=MONEY_ERRORS,
)
def create_payment(customer_id: str, body: PaymentIn) -> Response:
    return _run("payment", parse_id(customer_id), body.amount, body.receipt_no, body.allow_partial)


@api.route(
    "/payments/<payment_id>/refunds",
    "POST",
    scope="pos",
    summary="Refund (part of) a payment, cash first",
    tags=("money",),
    body=RefundIn,
    status=201,
    idempotency_key="required",
    errors=MONEY_ERRORS,
)
def create_refund(payment_id: str, body: RefundIn) -> Response:
    return _run("refund", operation_id_of(payment_id, "payment"), body.amount)


@api.route(
    "/topups/<operation_id>/void",
    "POST",
    scope="manager",
    summary="Cancel a top-up and its bonus",
    tags=("money",),
    body=VoidIn,
    status=201,
    idempotency_key="required",
    errors=MONEY_ERRORS,
)
def void_topup(operation_id: str, body: VoidIn) -> Response:
    return _run("void_topup", operation_id_of(operation_id, "top-up"), body.reason)


@api.route(
    "/customers/<customer_id>/payouts",
    "POST",
    scope="manager",
    summary="Pay out cash credit (never bonus)",
    tags=("money",),
    body=PayoutIn,
    status=201,
    idempotency_key="required",
    errors=MONEY_ERRORS,
)
def create_payout(customer_id: str, body: PayoutIn) -> Response:
    return _run("payout", parse_id(customer_id), body.amount, body.reason)


@api.route(
    "/customers/<customer_id>/corrections",
    "POST",
    scope="manager",
    summary="Correct cash, bonus or points with a reason",
    tags=("money",),
    body=CorrectionIn,
    status=201,
    idempotency_key="required",
    errors=MONEY_ERRORS,
)
def create_correction(customer_id: str, body: CorrectionIn) -> Response:
    return _run("correction", parse_id(customer_id), body.account, body.amount, body.reason)


@api.route(
    "/quotes",
    "POST",
    scope="pos",
    summary="Price a basket without side effects",
    tags=("sales",),
    body=BasketIn,
    errors=MONEY_ERRORS,
)
def create_quote(body: BasketIn) -> tuple[dict[str, Any], int]:
    box = current_box()
    with box.db.snapshot() as conn:
        return checkout_service.price(conn, box.config, body, commit=False)


@api.route(
    "/checkouts",
    "POST",
    scope="pos",
    summary="The whole sale in one transaction",
    tags=("sales",),
    body=BasketIn,
    status=201,
    idempotency_key="required",
    errors=MONEY_ERRORS,
)
def create_checkout(body: BasketIn) -> Response:
    return _run("checkout", body)


# ------------------------------------------------------ operations by name --


def _checkout(
    conn: sqlite3.Connection,
    config: Config,
    actor: service.Actor,
    basket: BasketIn | dict[str, Any],
) -> tuple[dict[str, Any], int]:
    if isinstance(basket, dict):  # from an API worker, already validated there
        basket = BasketIn.model_validate(basket)
    return checkout_service.price(conn, config, basket, commit=True, actor=actor)


def _after_checkout(box: Box, body: dict[str, Any]) -> None:
    devices = box.services.get("devices")  # display + printer wake-up
    if devices is not None:
        devices.after_checkout(body)


@dataclass(frozen=True)
class Operation:
    run: Callable[..., tuple[dict[str, Any], int]]  # run(conn, config, actor, *args)
    after: Callable[[Box, dict[str, Any]], None] | None = None  # once durable, first time only


# By name, so that an API worker can hand one to the primary with plain data.
OPERATIONS = {
    "topup": Operation(service.topup),
    "payment": Operation(service.payment),
    "refund": Operation(service.refund),
    "void_topup": Operation(service.void_topup),
    "payout": Operation(service.payout),
    "correction": Operation(service.correction),
    "checkout": Operation(_checkout, after=_after_checkout),
}


def operation_txn(
    box: Box,
    key: idempotency.IdemKey | None,
    name: str,
    actor: service.Actor,
    args: Sequence[Any],
) -> Callable[[sqlite3.Connection], Any]:
    """The named operation as the writer runs it, guarded by its key."""
    op = OPERATIONS[name]
    return idempotency.guarded(key, lambda conn: op.run(conn, box.config, actor, *args))


def settle_operation(
    box: Box, key: idempotency.IdemKey | None, name: str, committed: Any
) -> idempotency.Outcome:
    """Once :func:`operation_txn` is durable: its answer, and the follow-up
    (display, printer) the first time only."""
    outcome, body = idempotency.settle(key, committed)
    after = OPERATIONS[name].after
    if body is not None and after is not None:
        after(box, body)
    return outcome


def run_operation(
    box: Box,
    key: idempotency.IdemKey | None,
    name: str,
    actor: service.Actor,
    args: Sequence[Any],
) -> idempotency.Outcome:
    """One money operation, exactly once per key, in this process's writer."""
    committed = box.db.write(operation_txn(box, key, name, actor, args))
    return settle_operation(box, key, name, committed)
