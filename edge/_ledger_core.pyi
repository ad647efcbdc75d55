"""Stub of the compiled ledger core (``ledger_core/``). Import ``edge.ledger``,
not this module.

Journal canonical encoding, version 1 (``ENCODING_VERSION``)::

    hash     = sha256(prev_hash || encoding)     # prev_hash of the first entry: GENESIS_HASH
    encoding = b"TEJ1"
             + i64(seq) + i64(customer_id) + i64(operation_id) + i64(type)
             + u8(account: 0 cash, 1 bonus, 2 points)
             + i64(amount)
             + opt_i64(cash_after) + opt_i64(bonus_after) + opt_i64(points_after)
             + opt_i64(reverses)
             + opt_text(receipt_no) + text(actor) + opt_text(reason) + text(created_at)

    i64(v)       = 8 bytes, big-endian two's complement
    opt_i64(v)   = b"\\x00" if v is None else b"\\x01" + i64(v)
    text(s)      = u32 big-endian byte length + UTF-8 bytes (as stored, not normalised)
    opt_text(s)  = b"\\x00" if s is None else b"\\x01" + text(s)
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any, final

__all__ = [
    "ENCODING_VERSION",
    "GENESIS_HASH",
    "MAX_AMOUNT",
    "VERSION",
    "BatchSettlement",
    "Clawback",
    "CreditOutcome",
    "Outcome",
    "PointsOutcome",
    "Posting",
    "PricedBasket",
    "PricedLine",
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

VERSION: str
MAX_AMOUNT: int
GENESIS_HASH: bytes
ENCODING_VERSION: int

@final
class Posting:
    """One journal entry to write, with the balances right after it."""

    @property
    def code(self) -> int: ...
    @property
    def account(self) -> str: ...
    @property
    def amount(self) -> int: ...
    @property
    def cash_after(self) -> int | None: ...
    @property
    def bonus_after(self) -> int | None: ...
    @property
    def points_after(self) -> int | None: ...

@final
class TopUpResult:
    @property
    def amount(self) -> int: ...
    @property
    def bonus(self) -> int: ...
    @property
    def rate_bp(self) -> int: ...
    @property
    def cash_after(self) -> int: ...
    @property
    def bonus_after(self) -> int: ...
    @property
    def entries(self) -> tuple[Posting, ...]: ...

@final
class Settlement:
    @property
    def amount(self) -> int: ...
    @property
    def from_bonus(self) -> int: ...
    @property
    def from_cash(self) -> int: ...
    @property
    def remaining(self) -> int: ...
    @property
    def taken(self) -> int: ...
    @property
    def cash_after(self) -> int: ...
    @property
    def bonus_after(self) -> int: ...
    @property
    def entries(self) -> tuple[Posting, ...]: ...

@final
class RefundResult:
    @property
    def to_cash(self) -> int: ...
    @property
    def to_bonus(self) -> int: ...
    @property
    def cash_after(self) -> int: ...
    @property
    def bonus_after(self) -> int: ...
    @property
    def entries(self) -> tuple[Posting, ...]: ...

@final
class Clawback:
    @property
    def due(self) -> int: ...
    @property
    def taken(self) -> int: ...
    @property
    def shortfall(self) -> int: ...
    @property
    def points_after(self) -> int: ...
    @property
    def entries(self) -> tuple[Posting, ...]: ...

@final
class CreditOutcome:
    @property
    def cash_after(self) -> int: ...
    @property
    def bonus_after(self) -> int: ...
    @property
    def entries(self) -> tuple[Posting, ...]: ...

@final
class PointsOutcome:
    @property
    def value(self) -> int: ...
    @property
    def points_after(self) -> int: ...
    @property
    def entries(self) -> tuple[Posting, ...]: ...

@final
class Outcome:
    @property
    def cash_after(self) -> int: ...
    @property
    def bonus_after(self) -> int: ...
    @property
    def points_after(self) -> int: ...
    @property
    def entries(self) -> tuple[Posting, ...]: ...

@final
class PricedLine:
    @property
    def gross(self) -> int: ...
    @property
    def discount_percent(self) -> int: ...
    @property
    def discount(self) -> int: ...
    @property
    def total(self) -> int: ...

@final
class VatLine:
    @property
    def rate_bp(self) -> int: ...
    @property
    def net(self) -> int: ...
    @property
    def vat(self) -> int: ...
    @property
    def gross(self) -> int: ...

@final
class PricedBasket:
    @property
    def lines(self) -> tuple[PricedLine, ...]: ...
    @property
    def vat(self) -> tuple[VatLine, ...]: ...
    @property
    def subtotal(self) -> int: ...
    @property
    def discount_total(self) -> int: ...
    @property
    def points_redeemed(self) -> int: ...
    @property
    def points_value(self) -> int: ...
    @property
    def total(self) -> int: ...
    @property
    def points_earned(self) -> int: ...
    @property
    def net_mode(self) -> bool: ...

@final
class VerifyReport:
    @property
    def ok(self) -> bool: ...
    @property
    def entries_checked(self) -> int: ...
    @property
    def customers(self) -> int: ...
    @property
    def balances_checked(self) -> int: ...
    @property
    def head_hash(self) -> bytes: ...
    @property
    def last_seq(self) -> int | None: ...
    @property
    def reader(self) -> str: ...
    @property
    def first_bad_seq(self) -> int | None: ...
    @property
    def bad_customer(self) -> int | None: ...
    @property
    def reason(self) -> str | None: ...

@final
class BatchSettlement:
    def __len__(self) -> int: ...
    @property
    def settled(self) -> int: ...
    @property
    def refused(self) -> int: ...
    @property
    def invalid(self) -> int: ...
    @property
    def total_from_bonus(self) -> int: ...
    @property
    def total_from_cash(self) -> int: ...
    @property
    def total_remaining(self) -> int: ...
    @property
    def from_bonus(self) -> list[int]: ...
    @property
    def from_cash(self) -> list[int]: ...
    @property
    def remaining(self) -> list[int]: ...
    @property
    def status(self) -> bytes: ...

def apply_bp(amount: int, rate_bp: int) -> int: ...
def apply_percent(amount: int, pct: int) -> int: ...
def topup(
    cash: int,
    bonus: int,
    amount: int,
    tiers: Sequence[tuple[int, int]] = ...,
    max_topup: int | None = None,
    max_balance: int | None = None,
) -> TopUpResult: ...
def settle(cash: int, bonus: int, amount: int, allow_partial: bool = False) -> Settlement: ...
def refund(
    cash: int,
    bonus: int,
    paid_cash: int,
    paid_bonus: int,
    amount: int,
    restored_cash: int = 0,
    restored_bonus: int = 0,
) -> RefundResult: ...
def points_clawback(
    points: int, earned: int, paid_total: int, refunded: int, already_refunded: int = 0
) -> Clawback: ...
def void_topup(
    cash: int, bonus: int, topup_amount: int, topup_bonus: int, already_voided: bool = False
) -> CreditOutcome: ...
def payout(cash: int, bonus: int, amount: int) -> CreditOutcome: ...
def correction(
    cash: int, bonus: int, points: int, account: str, amount: int, reason: str
) -> Outcome: ...
def points_earned(paid_total: int, points_per_eur: int = 1, blocked: bool = False) -> int: ...
def earn_points(
    points: int, paid_total: int, points_per_eur: int = 1, blocked: bool = False
) -> PointsOutcome: ...
def redeem_points(
    points: int, requested: int, basket_total: int, point_value: int = 1, blocked: bool = False
) -> PointsOutcome: ...
def effective_discount(customer_percent: int | None, group_percent: int | None = None) -> int: ...
def parse_quantity(quantity: str | int, line: int = 0) -> int: ...
def price_basket(
    lines: Iterable[Any],
    discount_percent: int | None = None,
    *,
    net_mode: bool = False,
    points_to_redeem: int = 0,
    points_balance: int = 0,
    point_value: int = 1,
    points_per_eur: int = 1,
    points_blocked: bool = False,
) -> PricedBasket: ...
def encode_entry(
    seq: int,
    customer_id: int,
    operation_id: int,
    type: int,
    account: str,
    amount: int,
    cash_after: int | None,
    bonus_after: int | None,
    points_after: int | None,
    receipt_no: str | None,
    actor: str,
    reason: str | None,
    reverses: int | None,
    created_at: str,
) -> bytes: ...
def entry_hash(
    prev_hash: bytes,
    seq: int,
    customer_id: int,
    operation_id: int,
    type: int,
    account: str,
    amount: int,
    cash_after: int | None,
    bonus_after: int | None,
    points_after: int | None,
    receipt_no: str | None,
    actor: str,
    reason: str | None,
    reverses: int | None,
    created_at: str,
) -> bytes: ...
def chain_hashes(prev_hash: bytes, rows: Iterable[tuple[Any, ...]]) -> list[bytes]: ...
def verify_entries(
    rows: Iterable[tuple[Any, ...]], balances: dict[int, tuple[int, int, int]] | None = None
) -> VerifyReport: ...
def verify_journal(
    db_path: str,
    progress: Callable[[int], object] | None = None,
    threads: int = 0,
    method: str = "auto",
) -> VerifyReport: ...
def settle_batch(
    cash: Sequence[int], bonus: Sequence[int], amounts: Sequence[int], allow_partial: bool = False
) -> BatchSettlement: ...
