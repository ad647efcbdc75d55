"""The money core's refusals, as domain errors (``edge.errors``).

The Rust core raises these very classes: it looks them up by name as
attributes of ``edge.ledger`` and calls ``Cls(message, **details)`` with the
numbers below (``ledger_core/src/error.rs``). Each class carries the API's
stable problem code; the input errors also name the field they are about
(``errors``), so nobody maps them again by class name. Imports only
``edge.errors``.
"""

from __future__ import annotations

from typing import Any

from edge.errors import DomainError, FieldProblem

__all__ = [
    "AlreadyVoided",
    "InsufficientFunds",
    "InsufficientPoints",
    "InvalidAmount",
    "InvalidDiscount",
    "InvalidInput",
    "InvalidQuantity",
    "InvalidRate",
    "LedgerError",
    "LedgerInputError",
    "LimitExceeded",
    "MissingReason",
    "Overflow",
    "PointsBlocked",
    "RefundExceedsPayment",
    "StoreError",
]


class LedgerError(DomainError):
    """Base of every ledger refusal: ``detail`` is the core's sentence,
    ``numbers`` (also attributes) what it computed."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(
            type(self).code, message, errors=self._field_problems(message, details), **details
        )

    @property
    def message(self) -> str:
        return self.detail

    @property
    def details(self) -> dict[str, Any]:
        return self.numbers

    @staticmethod
    def _field_problems(message: str, details: dict[str, Any]) -> list[FieldProblem]:
        return []


class LedgerInputError(LedgerError):
    """Malformed input (amount, quantity, rate …): a ``validation_error`` on
    the field the core names; a basket line's is ``lines.<n>.quantity``."""

    code = "validation_error"

    @staticmethod
    def _field_problems(message: str, details: dict[str, Any]) -> list[FieldProblem]:
        if "line" in details:
            field = f"lines.{details['line']}.quantity"
        else:
            field = str(details.get("field") or "amount")
        return [{"field": field, "message": message}]


class InvalidAmount(LedgerInputError, ValueError):
    """An amount that must be positive (or non-negative) is not."""

    field: str
    value: int


class Overflow(LedgerInputError, OverflowError):
    """An amount or result above ``MAX_AMOUNT`` (10^12 minor units)."""

    field: str
    value: int


class InvalidQuantity(LedgerInputError, ValueError):
    """``line`` is the 0-based index of the basket line."""

    line: int
    quantity: str
    reason: str


class InvalidDiscount(LedgerInputError, ValueError):
    """A discount that is not a whole number 0..100 (e.g. 12.5)."""

    field: str
    value: str


class InvalidRate(LedgerInputError, ValueError):
    """A bonus or VAT rate outside 0..10000 basis points."""

    field: str
    value: int


class MissingReason(LedgerInputError, ValueError):
    """A correction needs a non-empty reason."""


class InvalidInput(LedgerInputError, ValueError):
    """Any other malformed input (unknown account, bad hash length, ...)."""

    field: str
    reason: str


class LimitExceeded(LedgerError):
    """``limit`` is ``"max_topup"`` (value = the amount) or ``"max_balance"``
    (value = cash + bonus after the top-up); ``maximum`` the configured limit."""

    code = "limit_exceeded"
    limit: str
    maximum: int
    value: int


class InsufficientFunds(LedgerError):
    """``account`` is ``"cash+bonus"`` (payment), ``"cash"`` or ``"bonus"``;
    ``available`` what could be taken, ``remaining = amount - available``."""

    code = "insufficient_funds"
    account: str
    amount: int
    cash: int
    bonus: int
    available: int
    remaining: int


class RefundExceedsPayment(LedgerError):
    """``refundable = paid - restored`` of the payment."""

    code = "refund_exceeds_payment"
    amount: int
    refundable: int
    paid: int
    restored: int


class InsufficientPoints(LedgerError):
    """A redemption above the balance or the basket total (``maximum`` is the
    most that is allowed), or a points correction below zero."""

    code = "insufficient_points"
    requested: int
    balance: int
    maximum: int


class PointsBlocked(LedgerError):
    """The customer's points program is blocked: no redemption."""

    code = "points_blocked"
    requested: int


class AlreadyVoided(LedgerError):
    """The top-up was already voided (a top-up is voided at most once)."""

    code = "conflict"


class StoreError(LedgerError, RuntimeError):
    """The journal's database file cannot be read (``path``); raised by
    ``verify_journal`` instead of the core's bare RuntimeError."""

    code = "journal_unreadable"
    path: str
