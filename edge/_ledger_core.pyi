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
from typing import Any, Final, final

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

    code: Final[int]
    account: Final[str]
    amount: Final[int]
    cash_after: Final[int | None]
    bonus_after: Final[int | None]
    points_after: Final[int | None]

@final
class TopUpResult:
    amount: Final[int]
    bonus: Final[int]
    rate_bp: Final[int]
    cash_after: Final[int]
    bonus_after: Final[int]
    entries: Final[tuple[Posting, ...]]

@final
class Settlement:
    amount: Final[int]
    from_bonus: Final[int]
    from_cash: Final[int]
    remaining: Final[int]
    taken: Final[int]
    cash_after: Final[int]
    bonus_after: Final[int]
    entries: Final[tuple[Posting, ...]]

@final
class RefundResult:
    to_cash: Final[int]
    to_bonus: Final[int]
    cash_after: Final[int]
    bonus_after: Final[int]
    entries: Final[tuple[Posting, ...]]

@final
class Clawback:
    due: Final[int]
    taken: Final[int]
    shortfall: Final[int]
    points_after: Final[int]
    entries: Final[tuple[Posting, ...]]

@final
class CreditOutcome:
    cash_after: Final[int]
    bonus_after: Final[int]
    entries: Final[tuple[Posting, ...]]

@final
class PointsOutcome:
    value: Final[int]
    points_after: Final[int]
    entries: Final[tuple[Posting, ...]]

@final
class Outcome:
    cash_after: Final[int]
    bonus_after: Final[int]
    points_after: Final[int]
    entries: Final[tuple[Posting, ...]]

@final
class PricedLine:
    gross: Final[int]
    discount_percent: Final[int]
    discount: Final[int]
    total: Final[int]

@final
class VatLine:
    """One VAT rate: ``gross`` is what is paid for it (its line totals less
    ``points_share``, its part of the points redemption), ``net + vat == gross``."""

    rate_bp: Final[int]
    net: Final[int]
    vat: Final[int]
    gross: Final[int]
    points_share: Final[int]

@final
class PricedBasket:
    lines: Final[tuple[PricedLine, ...]]
    vat: Final[tuple[VatLine, ...]]
    subtotal: Final[int]
    discount_total: Final[int]
    points_redeemed: Final[int]
    points_value: Final[int]
    total: Final[int]
    points_earned: Final[int]
    net_mode: Final[bool]

@final
class VerifyReport:
    ok: Final[bool]
    entries_checked: Final[int]
    customers: Final[int]
    balances_checked: Final[int]
    head_hash: Final[bytes]
    last_seq: Final[int | None]
    reader: Final[str]
    first_bad_seq: Final[int | None]
    bad_customer: Final[int | None]
    reason: Final[str | None]

@final
class BatchSettlement:
    def __len__(self) -> int: ...
    settled: Final[int]
    refused: Final[int]
    invalid: Final[int]
    total_from_bonus: Final[int]
    total_from_cash: Final[int]
    total_remaining: Final[int]
    from_bonus: Final[list[int]]
    from_cash: Final[list[int]]
    remaining: Final[list[int]]
    status: Final[bytes]

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
