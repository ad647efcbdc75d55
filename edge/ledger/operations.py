"""The money operations: typed, keyword-friendly calls into the compiled core.

Every function is pure: it takes the current balances and the operation's
inputs and returns what the service must write — the journal entries
(``Posting``: type code, account, signed amount, balances after it) in order,
and the balances afterwards — or raises one of ``edge.ledger.errors`` and
writes nothing. Imports only the compiled core.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from edge import _ledger_core as _core
from edge._ledger_core import (
    BatchSettlement,
    Clawback,
    CreditOutcome,
    Outcome,
    PointsOutcome,
    RefundResult,
    Settlement,
    TopUpResult,
)

__all__ = [
    "correction",
    "earn_points",
    "payout",
    "points_clawback",
    "redeem_points",
    "refund",
    "settle",
    "settle_batch",
    "topup",
    "void_topup",
]


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
    or with ``allow_partial`` everything is taken and ``remaining`` is set;
    with nothing to take (cash and bonus 0) InsufficientFunds all the same."""
    return _core.settle(cash, bonus, amount, allow_partial)


def refund(
    cash: int,
    bonus: int,
    *,
    amount: int,
    paid_cash: int,
    restored_cash: int = 0,
    paid_bonus: int,
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
