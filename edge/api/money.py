"""Money routes: top-ups, payments, refunds, voids, payouts, corrections,
quotes and checkouts. Every one that moves money requires an
``Idempotency-Key`` and is submitted by name to the one operation path
(:mod:`edge.money.operations`) that the staff panel books through too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from flask import Response, g
from pydantic import BaseModel, Field, StrictBool, StrictInt, field_validator

from edge.api.auth import current_actor
from edge.api.context import current_box
from edge.api.idempotency import PROBLEMS, response
from edge.api.problems import ApiError
from edge.api.registry import api
from edge.api.schemas import (
    CheckoutOut,
    CorrectionOut,
    PaymentOut,
    PayoutOut,
    Quote,
    RefundOut,
    TopupOut,
    VoidOut,
)
from edge.customers.service import parse_id
from edge.money import checkout as checkout_service
from edge.money import operations
from edge.money.basket import BasketIn, ReceiptNo
from edge.money.basket import StrictIn as _In
from edge.platform.actor import Actor
from edge.platform.clock import now_iso
from edge.platform.text import SingleLine

Amount = Annotated[StrictInt, Field(gt=0, le=10**12, description="minor units, > 0")]


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
    reason: Annotated[str, Field(max_length=500), SingleLine] | None = None


class PayoutIn(_In):
    amount: Amount
    reason: Annotated[str, Field(max_length=500), SingleLine] | None = None


class CorrectionIn(_In):
    account: Literal["cash", "bonus", "points"]
    amount: Annotated[StrictInt, Field(ge=-(10**12), le=10**12, description="signed, not 0")]
    reason: Annotated[str, Field(min_length=1, max_length=500), SingleLine]

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


def operation_id_of(raw: str, what: str) -> int:
    """Operation ids are opaque strings on the wire (rowids here)."""
    text = raw.strip()
    if not text.isdigit() or len(text) > 18:
        raise ApiError(404, "not_found", f"no {what} {raw}")
    return int(text)


def _run(name: str, *args: Any) -> Response:
    """Submit the named operation under the request's key, as the terminal."""
    actor = Actor(current_actor(), now_iso())
    key = g.get("idempotency")
    booking = operations.Booking(key, name, actor, args)
    return response(operations.submit(current_box(), booking, PROBLEMS))


# What every money operation on a customer can be refused with; the API
# workers' hand-off (server.workers > 1) may answer `unavailable`.
MONEY_ERRORS = ("not_found", "customer_blocked", "customer_inactive", "unavailable")


@dataclass(frozen=True)
class MoneyRoute:
    """One money route: ``POST rule`` with ``body`` runs operation ``op`` on
    the path's id (``target``) and the body's ``fields``, in that order."""

    endpoint: str  # the view's name: Flask endpoint and OpenAPI operationId
    rule: str
    scope: str
    summary: str
    body: type[BaseModel]
    op: str
    target: Callable[[str], int]
    fields: tuple[str, ...]
    response: type[BaseModel]
    description: str
    errors: tuple[str, ...] = ()  # besides MONEY_ERRORS


def _payment_id(raw: str) -> int:
    return operation_id_of(raw, "payment")


def _topup_id(raw: str) -> int:
    return operation_id_of(raw, "top-up")


# In the order the OpenAPI document lists them.
MONEY_ROUTES = (
    MoneyRoute(
        "create_topup",
        "/customers/<customer_id>/topups",
        "pos",
        "Top up credit",
        TopupIn,
        "topup",
        parse_id,
        ("amount", "receipt_no"),
        TopupOut,
        "Loads `amount` as cash credit; the configured bonus tier adds `bonus_granted` "
        "as bonus. `max_topup` and `max_balance` (cash + bonus after it) are "
        "`limit_exceeded`.",
        ("limit_exceeded",),
    ),
    MoneyRoute(
        "create_payment",
        "/customers/<customer_id>/payments",
        "pos",
        "Pay from credit, bonus first",
        PaymentIn,
        "payment",
        parse_id,
        ("amount", "receipt_no", "allow_partial"),
        PaymentOut,
        "Takes `amount` from bonus first, then cash. Not covered: `insufficient_funds` and "
        "nothing written; with `allow_partial` what is available is taken and `remaining` "
        "says what is open (nothing available at all is `insufficient_funds` too). Keep "
        "`payment_id`: refunds refer to it.",
        ("insufficient_funds",),
    ),
    MoneyRoute(
        "create_refund",
        "/payments/<payment_id>/refunds",
        "pos",
        "Refund (part of) a payment, cash first",
        RefundIn,
        "refund",
        _payment_id,
        ("amount",),
        RefundOut,
        "`payment_id` is the `payment_id` of a payment or of a checkout (its credit "
        "part). Gives `amount` back, cash first; for a checkout the points the sale "
        "earned are taken back in proportion (`points_taken_back`, `points_shortfall`). "
        "More than the payment took is `refund_exceeds_payment` with `refundable`.",
        ("refund_exceeds_payment",),
    ),
    MoneyRoute(
        "void_topup",
        "/topups/<operation_id>/void",
        "manager",
        "Cancel a top-up and its bonus",
        VoidIn,
        "void_topup",
        _topup_id,
        ("reason",),
        VoidOut,
        "Takes the top-up and the bonus it granted back (a cashier's mistake). A second "
        "void is `conflict`; balances that no longer cover it are `insufficient_funds`.",
        ("conflict", "insufficient_funds"),
    ),
    MoneyRoute(
        "create_payout",
        "/customers/<customer_id>/payouts",
        "manager",
        "Pay out cash credit (never bonus)",
        PayoutIn,
        "payout",
        parse_id,
        ("amount", "reason"),
        PayoutOut,
        "Pays `amount` of the cash balance out; bonus is never paid out. Above the cash "
        "balance: `insufficient_funds`.",
        ("insufficient_funds",),
    ),
    MoneyRoute(
        "create_correction",
        "/customers/<customer_id>/corrections",
        "manager",
        "Correct cash, bonus or points with a reason",
        CorrectionIn,
        "correction",
        parse_id,
        ("account", "amount", "reason"),
        CorrectionOut,
        "Adds the signed `amount` to `cash`, `bonus` or `points`, with a reason. A balance "
        "that would go below zero is `insufficient_funds` / `insufficient_points`.",
        ("insufficient_funds", "insufficient_points"),
    ),
)


money = api.section("money")
sales = api.section("sales")


def _register(route: MoneyRoute) -> None:
    def view(body: BaseModel, **path: str) -> Response:
        (target,) = path.values()
        return _run(route.op, route.target(target), *(getattr(body, f) for f in route.fields))

    view.__name__ = view.__qualname__ = route.endpoint
    money.post(
        route.rule,
        scope=route.scope,
        summary=route.summary,
        description=route.description,
        body=route.body,
        response=route.response,
        status=201,
        idempotency_key="required",
        errors=(*MONEY_ERRORS, *route.errors),
    )(view)


for _route in MONEY_ROUTES:
    _register(_route)


# What pricing a basket can be refused with (quotes and checkouts).
BASKET_ERRORS = (
    "not_found",
    "customer_blocked",
    "customer_inactive",
    "card_blocked",
    "insufficient_points",
    "points_blocked",
)


@sales.post(
    "/quotes",
    body=BasketIn,
    response=Quote,
    idempotency_key="unused",
    errors=(*BASKET_ERRORS, "invoice_payment_not_allowed"),
)
def create_quote(body: BasketIn) -> tuple[dict[str, Any], int]:
    """Price a basket without side effects

    What the checkout would answer, computed and written nowhere. The payer is
    exactly one of `customer_id` or `card_uid`. A quote reports `left_to_pay`
    where a checkout would refuse, and the customer's `credit_available` for an
    `invoice` tender.
    """
    box = current_box()
    with box.db.snapshot() as conn:
        return checkout_service.price(conn, box.config, body, commit=False)


@sales.post(
    "/checkouts",
    body=BasketIn,
    response=CheckoutOut,
    status=201,
    idempotency_key="required",
    errors=(
        *BASKET_ERRORS,
        "insufficient_funds",
        "conflict",
        "unavailable",
        "invoice_payment_not_allowed",
        "credit_limit_exceeded",
        "einvoice_invalid",
    ),
)
def create_checkout(body: BasketIn) -> Response:
    """The whole sale in one transaction

    Prices the basket, redeems points, settles the credit tender (bonus first),
    records the purchase, earns points, sets `last_visit`; then shows the total
    on the customer display and, with `print_receipt`, queues the receipt
    (`receipt_job_id`). Tenders that do not cover the total are
    `insufficient_funds` (`remaining`), and nothing is written; a receipt
    number already checked out is `conflict`. Refund with `payment_id`.
    An `invoice` tender takes what is still open after the other tenders: for a
    customer without `allow_invoice_payment` it is `invoice_payment_not_allowed`,
    past the credit limit `credit_limit_exceeded` (`credit_limit`, `open`,
    `available`); else the invoice is issued in the same transaction
    (`invoice_id`, `invoice_number`).
    """
    return _run("checkout", body)


# -- for edge/serving/primary_writes.py: the registry with the API's answers --
