"""Typed façade over the compiled money core (``edge._ledger_core``).

This module is the only thing the services import. Every function is pure:
it takes the current balances and the operation's inputs and returns what the
service must write — the journal entries (``Posting``: type code, account,
signed amount, balances after it) in order, and the balances afterwards —
or raises one of the exceptions below and writes nothing.

Amounts are ``int`` minor units; the core refuses anything above
``MAX_AMOUNT`` (10^12). Rates are basis points, discounts whole percents.

Journal hashing: ``hash = sha256(prev_hash || encoding(entry))``, genesis
``prev_hash = GENESIS_HASH`` (32 zero bytes). The encoding (version 1) is
documented in ``ledger_core/src/journal.rs`` and in ``edge/_ledger_core.pyi``;
use ``entry_hash`` (one row) or ``chain_hashes`` (several rows) when inserting,
``verify_journal`` to check a database file.

Rules chosen where SPEC.md is silent (keep them in sync with the Rust core):

- Top-up: ``max_topup=None`` and ``max_balance`` None/0 mean no limit;
  ``max_balance`` is checked on cash + bonus after the top-up, new bonus
  included. Among tiers with the same ``from`` the last listed wins; bonus and
  VAT rates must be 0..10000 bp (InvalidRate).
- Payment with ``allow_partial`` on empty balances writes nothing and reports
  ``remaining = amount``.
- Points taken back on a refund are posted as Earned (0) with a negative
  amount. For several partial refunds of one checkout pass
  ``already_refunded``: the due points are computed on the cumulative refund,
  so all refunds together never take back more than was earned.
- Void needs both balances to cover the top-up (else InsufficientFunds with
  ``account`` "cash" or "bonus"); the service says whether it was voided.
- Corrections of 0 are refused (InvalidAmount); points corrections use the
  points Correction code (2).
- A redemption request on a blocked points program raises PointsBlocked
  (requesting 0 is fine); ``point_value`` must be >= 1.
- Pricing: a quantity is ``digits[.1-3 digits]`` and > 0 (no sign, exponent,
  comma or spaces; an ``int`` is a whole quantity; floats are refused);
  ``unit_price`` must be >= 0. VAT is computed on the line totals (SPEC §4);
  a points redemption lowers what is paid and the points earned, not the VAT
  rows. In net mode every VAT row has ``vat = 0`` and ``net = gross`` = the
  sum of the net line totals.
- Verification checks, in ``seq`` order: type code valid for the account,
  amount non-zero and <= MAX_AMOUNT, the hash chain, no balance below zero,
  the ``*_after`` columns (credit rows need cash/bonus_after, points rows
  points_after), then every ``balances`` row against the replay (a customer
  without a row must replay to zero). It stops at the first problem.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import IntEnum
from typing import Any, ClassVar

from edge import _ledger_core as _core
from edge._ledger_core import (
    ENCODING_VERSION,
    GENESIS_HASH,
    MAX_AMOUNT,
    BatchSettlement,
    Clawback,
    CreditOutcome,
    Outcome,
    PointsOutcome,
    Posting,
    PricedBasket,
    PricedLine,
    RefundResult,
    Settlement,
    TopUpResult,
    VatLine,
    VerifyReport,
    apply_bp,
    apply_percent,
    chain_hashes,
    effective_discount,
    encode_entry,
    entry_hash,
    parse_quantity,
    points_earned,
    price_basket,
)

__all__ = [
    "ENCODING_VERSION",
    "GENESIS_HASH",
    "JOURNAL_COLUMNS",
    "MAX_AMOUNT",
    "AlreadyVoided",
    "BatchSettlement",
    "Clawback",
    "CreditOutcome",
    "CreditType",
    "InsufficientFunds",
    "InsufficientPoints",
    "InvalidAmount",
    "InvalidDiscount",
    "InvalidInput",
    "InvalidQuantity",
    "InvalidRate",
    "LedgerError",
    "LimitExceeded",
    "MissingReason",
    "Outcome",
    "Overflow",
    "PointsBlocked",
    "PointsOutcome",
    "PointsType",
    "Posting",
    "PricedBasket",
    "PricedLine",
    "RefundExceedsPayment",
    "RefundResult",
    "Settlement",
    "TopUpResult",
    "VatLine",
    "VerifyReport",
    "apply_bp",
    "apply_percent",
    "chain_hashes",
    "correction",
    "earn_points",
    "effective_discount",
    "encode_entry",
    "entry_hash",
    "entry_row",
    "parse_quantity",
    "payout",
    "points_clawback",
    "points_earned",
    "price_basket",
    "redeem_points",
    "refund",
    "settle",
    "settle_batch",
    "topup",
    "verify_entries",
    "verify_journal",
    "void_topup",
]

#: The journal's columns in hashing order (``hash`` excluded); rows given to
#: ``chain_hashes`` / ``verify_entries`` are tuples in this order.
JOURNAL_COLUMNS: tuple[str, ...] = (
    "seq",
    "customer_id",
    "operation_id",
    "type",
    "account",
    "amount",
    "cash_after",
    "bonus_after",
    "points_after",
    "receipt_no",
    "actor",
    "reason",
    "reverses",
    "created_at",
)


class CreditType(IntEnum):
    """Credit journal type codes (SPEC §2, fixed)."""

    TOPUP = 0
    USAGE = 1
    CORRECTION = 2
    BONUS_TOPUP = 3
    BONUS_USAGE = 4
    PAYOUT = 5


class PointsType(IntEnum):
    """Points journal type codes (SPEC §2, fixed)."""

    EARNED = 0
    REDEEMED = 1
    CORRECTION = 2


# ------------------------------------------------------------------ errors --
# Defined here once; the Rust core raises these very classes (it imports them
# from this module) with the numbers below as keyword arguments.


class LedgerError(Exception):
    """Base of every ledger refusal. ``code`` is the stable problem type for the
    API; ``details`` holds the numbers (also set as attributes)."""

    code: ClassVar[str] = "ledger_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details
        for key, value in details.items():
            setattr(self, key, value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.details))


def _rebuild(cls: type[LedgerError], message: str, details: dict[str, Any]) -> LedgerError:
    return cls(message, **details)


class InvalidAmount(LedgerError, ValueError):
    """An amount that must be positive (or non-negative) is not."""

    code = "invalid_amount"
    field: str
    value: int


class Overflow(LedgerError, OverflowError):
    """An amount or result above ``MAX_AMOUNT`` (10^12 minor units)."""

    code = "overflow"
    field: str
    value: int


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

    code = "already_voided"


class InvalidQuantity(LedgerError, ValueError):
    """``line`` is the 0-based index of the basket line."""

    code = "invalid_quantity"
    line: int
    quantity: str
    reason: str


class InvalidDiscount(LedgerError, ValueError):
    """A discount that is not a whole number 0..100 (e.g. 12.5)."""

    code = "invalid_discount"
    field: str
    value: str


class InvalidRate(LedgerError, ValueError):
    """A bonus or VAT rate outside 0..10000 basis points."""

    code = "invalid_rate"
    field: str
    value: int


class MissingReason(LedgerError, ValueError):
    """A correction needs a non-empty reason."""

    code = "missing_reason"


class InvalidInput(LedgerError, ValueError):
    """Any other malformed input (unknown account, bad hash length, ...)."""

    code = "invalid_input"
    field: str
    reason: str


# -------------------------------------------------------------- operations --


def _tier(t: Sequence[int] | Mapping[str, int]) -> tuple[int, int]:
    if isinstance(t, Mapping):
        return (t["from"], t["rate_bp"])
    start, rate = t
    return (start, rate)


def topup(
    cash: int,
    bonus: int,
    amount: int,
    *,
    tiers: Iterable[Sequence[int] | Mapping[str, int]] = (),
    max_topup: int | None = None,
    max_balance: int | None = None,
) -> TopUpResult:
    """Top-up (SPEC §3). ``tiers`` as in the config, ``[{"from": 0,
    "rate_bp": 0}, ...]`` or ``(from, rate_bp)`` pairs: the tier with the
    highest ``from <= amount`` gives ``bonus = round_half_up(amount * rate_bp
    / 10000)``. ``max_topup`` None = no limit; ``max_balance`` None or 0 = no
    limit (checked on cash + bonus after the top-up, new bonus included).
    Entries: Top-up (0) +amount on cash, Bonus Top-up (3) +bonus (omitted
    when 0). Raises InvalidAmount, LimitExceeded, Overflow, InvalidRate."""
    return _core.topup(cash, bonus, amount, [_tier(t) for t in tiers], max_topup, max_balance)


def settle(cash: int, bonus: int, amount: int, *, allow_partial: bool = False) -> Settlement:
    """Payment from credit, bonus first: ``from_bonus = min(bonus, amount)``,
    ``from_cash = amount - from_bonus``. Entries: Bonus Usage (4) -from_bonus,
    Usage (1) -from_cash (each omitted when 0). Not covered: InsufficientFunds,
    or with ``allow_partial`` everything is taken and ``remaining`` is set."""
    return _core.settle(cash, bonus, amount, allow_partial)


def refund(
    cash: int,
    bonus: int,
    *,
    paid_cash: int,
    paid_bonus: int,
    amount: int,
    restored_cash: int = 0,
    restored_bonus: int = 0,
) -> RefundResult:
    """Refund of a payment that took ``paid_cash``/``paid_bonus``, of which
    earlier refunds restored ``restored_cash``/``restored_bonus``: cash first,
    then bonus. Entries: Usage (1) +to_cash, Bonus Usage (4) +to_bonus.
    Raises RefundExceedsPayment, InvalidAmount, Overflow."""
    return _core.refund(cash, bonus, paid_cash, paid_bonus, amount, restored_cash, restored_bonus)


def points_clawback(
    points: int,
    *,
    earned: int,
    paid_total: int,
    refunded: int,
    already_refunded: int = 0,
) -> Clawback:
    """Points a refund takes back: ``round_half_up(earned * refunded /
    paid_total)`` capped at ``points`` (``taken``; ``shortfall`` is to be
    logged). For later partial refunds pass the earlier ones' total as
    ``already_refunded`` so that all together never exceed ``earned``.
    Entry: Earned (0) with ``-taken`` (omitted when 0)."""
    return _core.points_clawback(points, earned, paid_total, refunded, already_refunded)


def void_topup(
    cash: int,
    bonus: int,
    *,
    topup_amount: int,
    topup_bonus: int,
    already_voided: bool = False,
) -> CreditOutcome:
    """Void of a top-up: Top-up (0) -amount and Bonus Top-up (3) -bonus
    (omitted when 0). Raises InsufficientFunds (account "cash" or "bonus")
    when a balance no longer covers it, AlreadyVoided."""
    return _core.void_topup(cash, bonus, topup_amount, topup_bonus, already_voided)


def payout(cash: int, bonus: int, amount: int) -> CreditOutcome:
    """Payout (5) from cash only, ``amount <= cash``; bonus is never paid out.
    (Manager rights are the service's check.)"""
    return _core.payout(cash, bonus, amount)


def correction(
    cash: int, bonus: int, points: int, *, account: str, amount: int, reason: str
) -> Outcome:
    """Correction (2) of ``account`` (cash, bonus or points) by a signed,
    non-zero ``amount`` with a non-blank ``reason``; the result never goes
    below zero (InsufficientFunds / InsufficientPoints)."""
    return _core.correction(cash, bonus, points, account, amount, reason)


def earn_points(
    points: int, paid_total: int, *, points_per_eur: int = 1, blocked: bool = False
) -> PointsOutcome:
    """Earned (0) ``floor(paid_total * points_per_eur / 100)`` points
    (``value``); nothing when blocked or the result is 0."""
    return _core.earn_points(points, paid_total, points_per_eur, blocked)


def redeem_points(
    points: int,
    requested: int,
    *,
    basket_total: int,
    point_value: int = 1,
    blocked: bool = False,
) -> PointsOutcome:
    """Redeemed (1) ``-requested`` points; ``value = requested * point_value``
    minor units. Raises InsufficientPoints (above the balance or the basket
    total), PointsBlocked."""
    return _core.redeem_points(points, requested, basket_total, point_value, blocked)


def settle_batch(
    cash: Sequence[int],
    bonus: Sequence[int],
    amounts: Sequence[int],
    *,
    allow_partial: bool = False,
) -> BatchSettlement:
    """Settles many independent payments in one call (row i: ``cash[i]``,
    ``bonus[i]``, ``amounts[i]``). A row that cannot settle gets status 1
    (insufficient) or 2 (invalid) in ``status`` instead of an exception."""
    return _core.settle_batch(cash, bonus, amounts, allow_partial)


# ----------------------------------------------------------------- journal --


def entry_row(
    posting: Posting,
    *,
    seq: int,
    customer_id: int,
    operation_id: int,
    actor: str,
    created_at: str,
    receipt_no: str | None = None,
    reason: str | None = None,
    reverses: int | None = None,
) -> tuple[Any, ...]:
    """A journal row (``JOURNAL_COLUMNS`` order, without ``hash``) for one
    posting of an operation result; hash it with ``entry_hash(prev, *row)``
    or several at once with ``chain_hashes(prev, rows)``."""
    return (
        seq,
        customer_id,
        operation_id,
        posting.code,
        posting.account,
        posting.amount,
        posting.cash_after,
        posting.bonus_after,
        posting.points_after,
        receipt_no,
        actor,
        reason,
        reverses,
        created_at,
    )


def verify_entries(
    rows: Iterable[tuple[Any, ...]],
    balances: Mapping[int, tuple[int, int, int]] | None = None,
) -> VerifyReport:
    """Verifies in-memory journal rows (``JOURNAL_COLUMNS`` order + ``hash``)
    in ``seq`` order; with ``balances`` (``{customer_id: (cash, bonus,
    points)}``) the replay is also compared to them."""
    return _core.verify_entries(rows, None if balances is None else dict(balances))


def verify_journal(
    db_path: str | os.PathLike[str],
    progress: Callable[[int], object] | None = None,
    *,
    threads: int = 0,
    method: str = "auto",
) -> VerifyReport:
    """Verifies the journal of the SQLite file at ``db_path`` (read-only, one
    read transaction, streamed in Rust without the GIL): the hash chain, every
    entry's ``*_after`` columns against the replay, and the ``balances`` table
    against the replayed balances. ``progress(entries_done)`` is called every
    65,536 entries and at the end; an exception from it stops verification.
    ``threads``: reader threads (0 = one per core, at most 8; 1 = only the
    calling thread). ``method``: "pages" reads the journal table's b-tree
    pages straight from the file (about twice as fast), possible when the file
    alone holds the snapshot (rollback-journal mode, or WAL fully
    checkpointed); "sql" reads through SQLite; "auto" (default) uses pages
    when possible, else SQL. ``report.reader`` says which was used;
    ``report.head_hash`` is the hash of the last entry when ``ok`` (the
    service can compare it with its own chain head). Raises
    RuntimeError when the file cannot be read (or "pages" is impossible)."""
    return _core.verify_journal(os.fspath(db_path), progress, threads, method)
