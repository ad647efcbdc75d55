"""The money routes' answers as pydantic models, for the OpenAPI document only.

The money operations build their answers as plain JSON (``edge.money``,
also handed between processes); these models describe those answers, with
the examples of docs/api.md, so the served document and a client generated
from it know every member. Nothing validates an answer against them at run
time (``tests/edge/api/test_openapi_document.py`` checks the examples, the
generated-client walk-through the real answers). May import pydantic only.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


def _example(value: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [value]})


ENTRY_EXAMPLE: dict[str, Any] = {
    "id": "1",
    "operation_id": "1",
    "type": 0,
    "type_name": "topup",
    "kind": "topup",
    "account": "cash",
    "amount": 5000,
    "cash_after": 5000,
    "bonus_after": 0,
    "points_after": None,
    "receipt_no": "T1-000100",
    "actor": "terminal:1 till-1",
    "reason": None,
    "reverses": None,
    "created_at": "2026-12-03T12:16:23.602725Z",
}
BONUS_ENTRY = {**ENTRY_EXAMPLE, "id": "2", "type": 3, "type_name": "bonus_topup",
               "kind": "bonus_grant", "account": "bonus", "amount": 500,
               "bonus_after": 500}  # fmt: skip
BALANCES = {"cash": 5000, "bonus": 500, "points": 0, "currency": "EUR"}


class JournalEntry(BaseModel):
    """One journal entry; an operation writes one or more."""

    model_config = _example(ENTRY_EXAMPLE)

    id: str
    operation_id: str
    type: int = Field(description="the account's fixed type code (SPEC §2)")
    type_name: str = Field(description="the code's name, kept for older clients; read `kind`")
    kind: str = Field(description="what the entry is: payment, refund, void, points_clawback …")
    account: Literal["cash", "bonus", "points"]
    amount: int = Field(description="signed minor units (points for `points`)")
    cash_after: int | None
    bonus_after: int | None
    points_after: int | None
    receipt_no: str | None
    actor: str
    reason: str | None
    reverses: str | None = Field(description="the entry this one gives back (refunds, voids)")
    created_at: str


class Booked(BaseModel):
    """The customer's balances after the operation, and its journal entries."""

    cash: int
    bonus: int
    points: int
    currency: str
    entries: list[JournalEntry]


class TopupOut(Booked):
    """A top-up: the cash loaded and the bonus its tier granted."""

    model_config = _example(
        {"operation_id": "1", "customer_id": "1", "amount": 5000, "bonus_granted": 500,
         "entries": [ENTRY_EXAMPLE, BONUS_ENTRY], **BALANCES}
    )  # fmt: skip

    operation_id: str
    customer_id: str
    amount: int
    bonus_granted: int


class PaymentOut(Booked):
    """A payment from credit: what bonus and cash gave, and what is still open."""

    model_config = _example(
        {"payment_id": "3", "customer_id": "1", "amount": 1200, "from_bonus": 500,
         "from_cash": 700, "remaining": 0, "cash": 4300, "bonus": 0, "points": 0,
         "currency": "EUR", "entries": []}
    )  # fmt: skip

    payment_id: str = Field(description="what a refund refers to")
    customer_id: str
    amount: int
    from_bonus: int
    from_cash: int
    remaining: int = Field(description="still open (allow_partial only; else 0)")


class RefundOut(Booked):
    """A refund: what went back to cash and bonus, and the points taken back."""

    model_config = _example(
        {"refund_id": "11", "payment_id": "10", "amount": 500, "to_cash": 500, "to_bonus": 0,
         "points_taken_back": 5, "points_shortfall": 0, "cash": 5036, "bonus": 0,
         "points": 41, "currency": "EUR", "entries": []}
    )  # fmt: skip

    refund_id: str
    payment_id: str
    amount: int
    to_cash: int
    to_bonus: int
    points_taken_back: int
    points_shortfall: int = Field(description="points the claw-back could not take")


class VoidOut(Booked):
    """A voided top-up: the cash and bonus taken back."""

    model_config = _example(
        {"operation_id": "8", "voided": "7", "amount": 1000, "bonus_voided": 0, "cash": 6200,
         "bonus": 0, "points": 50, "currency": "EUR", "entries": []}
    )  # fmt: skip

    operation_id: str
    voided: str = Field(description="the top-up's operation id")
    amount: int
    bonus_voided: int


class PayoutOut(Booked):
    """A payout of cash credit."""

    model_config = _example(
        {"operation_id": "5", "amount": 500, "cash": 6200, "bonus": 0, "points": 0,
         "currency": "EUR", "entries": []}
    )  # fmt: skip

    operation_id: str
    amount: int


class CorrectionOut(Booked):
    """A correction of one account by a signed amount."""

    model_config = _example(
        {"operation_id": "6", "account": "points", "amount": 50, "cash": 6200, "bonus": 0,
         "points": 50, "currency": "EUR", "entries": []}
    )  # fmt: skip

    operation_id: str
    account: Literal["cash", "bonus", "points"]
    amount: int


class PricedLine(BaseModel):
    sku: str | None
    name: str | None
    quantity: str | int
    unit_price: int
    vat_rate_bp: int
    discountable: bool
    gross: int
    discount_percent: int
    discount: int
    total: int


class VatRow(BaseModel):
    rate_bp: int
    net: int
    vat: int
    gross: int
    points_share: int = Field(description="the redeemed points' value that lowered this base")


LATTE = {"sku": "4001", "name": "Latte", "quantity": "2", "unit_price": 380, "vat_rate_bp": 700,
         "discountable": True, "gross": 760, "discount_percent": 10, "discount": 76,
         "total": 684}  # fmt: skip
QUOTE_EXAMPLE: dict[str, Any] = {
    "customer_id": "1", "customer_number": 10000, "display_name": "Maria Müller",
    "receipt_no": "T1-000124", "lines": [LATTE],
    "vat": [{"rate_bp": 700, "net": 639, "vat": 45, "gross": 684, "points_share": 0}],
    "net_mode": False, "subtotal": 684, "discount_total": 76, "points_redeemed": 0,
    "points_value": 0, "total": 684, "points_earned": 6, "from_bonus": 0, "from_cash": 684,
    "other_tenders": 0, "invoice": 0, "left_to_pay": 0, "change": 0, "currency": "EUR",
    "credit_limit": 50000, "invoices_open": 12000, "credit_available": 38000,
    "cash": 4316, "bonus": 0, "points": 6,
}  # fmt: skip


class Quote(BaseModel):
    """The priced basket; `cash`, `bonus`, `points` are the balances after the sale."""

    model_config = _example(QUOTE_EXAMPLE)

    customer_id: str
    customer_number: int
    display_name: str
    receipt_no: str | None
    lines: list[PricedLine]
    vat: list[VatRow] = Field(description="one row per rate, by rate")
    net_mode: bool
    subtotal: int
    discount_total: int
    points_redeemed: int
    points_value: int
    total: int
    points_earned: int
    from_bonus: int
    from_cash: int
    other_tenders: int
    invoice: int = Field(0, description="what the `invoice` tender puts on the house account")
    left_to_pay: int
    change: int
    currency: str
    credit_limit: int | None = Field(
        None, description="the customer's credit limit (null: none, or not asked)"
    )
    invoices_open: int | None = Field(
        None, description="unpaid principal of the customer's issued invoices"
    )
    credit_available: int | None = Field(
        None,
        description="what may still go on invoice; a quote always reports it, a checkout"
        " with an invoice tender (before it); null: no limit",
    )
    cash: int
    bonus: int
    points: int
    delivery_address_id: str | None = Field(None, description="the delivery address named")
    delivery_address: str | None = Field(None, description="it on one line, as kept")


class CheckoutOut(Quote):
    """The priced basket as booked, with what refunds and reprints refer to."""

    model_config = _example(
        {**QUOTE_EXAMPLE, "checkout_id": "9", "payment_id": "10", "entries": [],
         "invoice_id": None, "invoice_number": None,
         "receipt_job_id": None}
    )  # fmt: skip

    checkout_id: str
    payment_id: str | None = Field(description="the credit part, for refunds; null without one")
    entries: list[JournalEntry]
    receipt_job_id: str | None = Field(description="the queued receipt (print_receipt)")
    invoice_id: str | None = Field(None, description="the invoice an `invoice` tender issued")
    invoice_number: str | None = Field(None, description="its number (RE-2026-00042)")


class TransactionPage(BaseModel):
    model_config = _example({"items": [ENTRY_EXAMPLE], "total": 14, "next": "12",
                             "currency": "EUR"})  # fmt: skip

    items: list[JournalEntry]
    total: int
    next: str | None
    currency: str


class Purchase(BaseModel):
    id: str
    checkout_id: str
    receipt_no: str | None
    total: int
    points_earned: int
    created_at: str
    refunded: int = Field(description="refunds of its credit payment")
    net_total: int
    fully_refunded: bool
    delivery_address: str | None = Field(None, description="where it was delivered, as then")


class PurchaseStats(BaseModel):
    total: int = Field(description="the net totals' sum")
    count: int = Field(description="purchases not fully refunded")
    average: int
    last_purchase_at: str | None


class PurchasePage(BaseModel):
    model_config = _example(
        {"items": [{"id": "1", "checkout_id": "9", "receipt_no": "T1-000123", "total": 1664,
                    "points_earned": 16, "created_at": "2026-12-03T12:16:23.637711Z",
                    "refunded": 0, "net_total": 1664, "fully_refunded": False}],
         "total": 1, "next": None, "currency": "EUR",
         "stats": {"total": 1664, "count": 1, "average": 1664,
                   "last_purchase_at": "2026-12-03T12:16:23.637711Z"}}
    )  # fmt: skip

    items: list[Purchase]
    total: int
    next: str | None
    stats: PurchaseStats
    currency: str
