"""Pure-Python reference model of the ledger rules (SPEC §1–§4).

Written straight from the spec, independent of the Rust code, for the
property tests (Rust and model must agree) and as the baseline of the
benchmarks. NOT part of the product.

Results are plain dicts; entries are tuples
``(code, account, amount, cash_after, bonus_after, points_after)``.
Refusals raise ``ModelError(kind, **details)`` where ``kind`` is the name of
the matching ``edge.ledger`` exception and ``details`` its attributes.
"""

from __future__ import annotations

import hashlib
import sqlite3
import struct
from typing import Any

from edge.ledger.journal import JOURNAL_COLUMNS

MAX_AMOUNT = 10**12
GENESIS = bytes(32)
CREDIT_CODES = {"cash": {0, 1, 2, 5}, "bonus": {2, 3, 4}, "points": {0, 1, 2}}
ACCOUNT_BYTE = {"cash": 0, "bonus": 1, "points": 2}


class ModelError(Exception):
    def __init__(self, kind: str, **details: Any) -> None:
        super().__init__(kind, details)
        self.kind = kind
        self.details = details


def _short(account: str, amount: int, cash: int, bonus: int, available: int) -> ModelError:
    """InsufficientFunds: ``amount`` wanted from ``account``, ``available`` there."""
    return ModelError(
        "InsufficientFunds",
        account=account,
        amount=amount,
        cash=cash,
        bonus=bonus,
        available=available,
        remaining=amount - available,
    )


def round_half_up(num: int, den: int) -> int:
    """num / den rounded half away from zero (den > 0)."""
    q, r = divmod(abs(num), den)
    if 2 * r >= den:
        q += 1
    return q if num >= 0 else -q


def _in_range(field: str, v: int, lowest: int) -> None:
    if v < lowest:
        raise ModelError("InvalidAmount", field=field, value=v)
    if v > MAX_AMOUNT:
        raise ModelError("Overflow", field=field, value=v)


def _positive(field: str, v: int) -> None:
    _in_range(field, v, 1)


def _balance(field: str, v: int) -> None:
    _in_range(field, v, 0)


def _fits(field: str, v: int) -> None:
    if abs(v) > MAX_AMOUNT:
        raise ModelError("Overflow", field=field, value=v)


class _Book:
    """Balances plus the entries written so far."""

    def __init__(self, cash: int = 0, bonus: int = 0, points: int = 0) -> None:
        self.b = {"cash": cash, "bonus": bonus, "points": points}
        self.entries: list[tuple[Any, ...]] = []

    def post(self, code: int, account: str, amount: int) -> None:
        if amount == 0:
            return
        self.b[account] += amount
        assert self.b[account] >= 0
        if account == "points":
            self.entries.append((code, account, amount, None, None, self.b["points"]))
        else:
            self.entries.append((code, account, amount, self.b["cash"], self.b["bonus"], None))


# -------------------------------------------------------------- operations --


def topup(
    cash: int,
    bonus: int,
    amount: int,
    tiers: list[tuple[int, int]] = (),  # type: ignore[assignment]
    max_topup: int | None = None,
    max_balance: int | None = None,
) -> dict[str, Any]:
    _balance("cash", cash)
    _balance("bonus", bonus)
    _positive("amount", amount)
    if max_topup is not None and amount > max_topup:
        raise ModelError("LimitExceeded", limit="max_topup", maximum=max_topup, value=amount)
    rate = 0
    best = None
    for start, r in tiers:
        if not 0 <= r <= 10000:
            raise ModelError("InvalidRate")
        if start <= amount and (best is None or start >= best):
            best, rate = start, r
    b = round_half_up(amount * rate, 10000)
    _fits("cash", cash + amount)
    _fits("bonus", bonus + b)
    if max_balance and cash + amount + bonus + b > max_balance:
        raise ModelError(
            "LimitExceeded",
            limit="max_balance",
            maximum=max_balance,
            value=cash + amount + bonus + b,
        )
    book = _Book(cash, bonus)
    book.post(0, "cash", amount)
    book.post(3, "bonus", b)
    return {"bonus": b, "rate_bp": rate, "entries": book.entries, **_after(book)}


def _after(book: _Book) -> dict[str, int]:
    return {
        "cash_after": book.b["cash"],
        "bonus_after": book.b["bonus"],
        "points_after": book.b["points"],
    }


def settle(cash: int, bonus: int, amount: int, allow_partial: bool = False) -> dict[str, Any]:
    _positive("amount", amount)
    _balance("cash", cash)
    _balance("bonus", bonus)
    from_bonus = min(bonus, amount)
    from_cash = amount - from_bonus
    remaining = 0
    if from_cash > cash:
        if not allow_partial or cash + bonus == 0:
            raise _short("cash+bonus", amount, cash, bonus, cash + bonus)
        from_cash = cash
        remaining = amount - from_bonus - from_cash
    book = _Book(cash, bonus)
    book.post(4, "bonus", -from_bonus)
    book.post(1, "cash", -from_cash)
    return {
        "from_bonus": from_bonus,
        "from_cash": from_cash,
        "remaining": remaining,
        "entries": book.entries,
        **_after(book),
    }


def refund(
    cash: int,
    bonus: int,
    paid_cash: int,
    paid_bonus: int,
    amount: int,
    restored_cash: int = 0,
    restored_bonus: int = 0,
) -> dict[str, Any]:
    _positive("amount", amount)
    for f, v in (
        ("paid_cash", paid_cash),
        ("paid_bonus", paid_bonus),
        ("restored_cash", restored_cash),
        ("restored_bonus", restored_bonus),
    ):
        _balance(f, v)
    if restored_cash > paid_cash or restored_bonus > paid_bonus:
        raise ModelError("InvalidAmount")
    refundable = paid_cash - restored_cash + paid_bonus - restored_bonus
    if amount > refundable:
        raise ModelError(
            "RefundExceedsPayment",
            amount=amount,
            refundable=refundable,
            paid=paid_cash + paid_bonus,
            restored=restored_cash + restored_bonus,
        )
    to_cash = min(amount, paid_cash - restored_cash)
    to_bonus = amount - to_cash
    _fits("cash", cash + to_cash)
    _fits("bonus", bonus + to_bonus)
    book = _Book(cash, bonus)
    book.post(1, "cash", to_cash)
    book.post(4, "bonus", to_bonus)
    return {"to_cash": to_cash, "to_bonus": to_bonus, "entries": book.entries, **_after(book)}


def points_clawback(
    points: int, earned: int, paid_total: int, refunded: int, already_refunded: int = 0
) -> dict[str, Any]:
    if already_refunded + refunded > paid_total:
        raise ModelError("RefundExceedsPayment")
    due = 0
    if paid_total:
        due = round_half_up(earned * (already_refunded + refunded), paid_total) - round_half_up(
            earned * already_refunded, paid_total
        )
    taken = min(due, points)
    book = _Book(0, 0, points)
    book.post(0, "points", -taken)
    return {
        "due": due,
        "taken": taken,
        "shortfall": due - taken,
        "entries": book.entries,
        "points_after": book.b["points"],
    }


def void_topup(
    cash: int, bonus: int, topup_amount: int, topup_bonus: int, already_voided: bool = False
) -> dict[str, Any]:
    _positive("amount", topup_amount)
    _balance("bonus", topup_bonus)
    if already_voided:
        raise ModelError("AlreadyVoided")
    if topup_amount > cash:
        raise _short("cash", topup_amount, cash, bonus, cash)
    if topup_bonus > bonus:
        raise _short("bonus", topup_bonus, cash, bonus, bonus)
    book = _Book(cash, bonus)
    book.post(0, "cash", -topup_amount)
    book.post(3, "bonus", -topup_bonus)
    return {"entries": book.entries, **_after(book)}


def payout(cash: int, bonus: int, amount: int) -> dict[str, Any]:
    _positive("amount", amount)
    if amount > cash:
        raise _short("cash", amount, cash, bonus, cash)
    book = _Book(cash, bonus)
    book.post(5, "cash", -amount)
    return {"entries": book.entries, **_after(book)}


def correction(
    cash: int, bonus: int, points: int, account: str, amount: int, reason: str
) -> dict[str, Any]:
    if not reason.strip():
        raise ModelError("MissingReason")
    if amount == 0:
        raise ModelError("InvalidAmount", field="amount", value=0)
    _fits("amount", amount)
    book = _Book(cash, bonus, points)
    current = book.b[account]
    _fits(account, current + amount)
    if current + amount < 0:
        if account == "points":
            raise ModelError(
                "InsufficientPoints", requested=-amount, balance=current, maximum=current
            )
        raise _short(account, -amount, cash, bonus, current)
    book.post(2, account, amount)
    return {"entries": book.entries, **_after(book)}


def points_earned(paid_total: int, points_per_eur: int = 1, blocked: bool = False) -> int:
    if blocked:
        return 0
    return paid_total * points_per_eur // 100


def redeem_points(
    points: int, requested: int, basket_total: int, point_value: int = 1, blocked: bool = False
) -> dict[str, Any]:
    if requested == 0:
        return {"value": 0, "entries": [], "points_after": points}
    if blocked:
        raise ModelError("PointsBlocked", requested=requested)
    maximum = min(points, max(basket_total, 0) // point_value)
    if requested > maximum:
        raise ModelError("InsufficientPoints", requested=requested, balance=points, maximum=maximum)
    book = _Book(0, 0, points)
    book.post(1, "points", -requested)
    return {
        "value": requested * point_value,
        "entries": book.entries,
        "points_after": book.b["points"],
    }


# ----------------------------------------------------------------- pricing --


def effective_discount(customer: int | None, group: int | None) -> int:
    for v in (customer, group):
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 100):
            raise ModelError("InvalidDiscount")
    if customer is not None:
        return customer
    return group if group is not None else 0


def parse_quantity(text: str, line: int = 0) -> int:
    """Thousandths of a unit."""
    whole, dot, frac = text.partition(".")
    ok = (
        whole.isascii()
        and whole.isdigit()
        and len(whole) <= 12
        and (not dot or (frac.isascii() and frac.isdigit() and len(frac) <= 3))
    )
    if not ok:
        raise ModelError("InvalidQuantity", line=line)
    value = int(whole) * 1000 + (int(frac.ljust(3, "0")) if dot else 0)
    if value == 0:
        raise ModelError("InvalidQuantity", line=line)
    return value


def redemption_shares(redeemed: int, sums: dict[int, int]) -> dict[int, int]:
    """SPEC §4: each rate's share of the redeemed value, ``floor(R * T_i / T)``
    plus one unit each for the largest remainders ``R * T_i mod T`` (ties:
    larger ``T_i``, then higher rate) until the shares add up to ``R``."""
    total = sum(sums.values())
    if not total:
        return dict.fromkeys(sums, 0)
    shares = {rate: redeemed * t // total for rate, t in sums.items()}
    by_remainder = sorted(
        sums, key=lambda rate: (redeemed * sums[rate] % total, sums[rate], rate), reverse=True
    )
    for rate in by_remainder[: redeemed - sum(shares.values())]:
        shares[rate] += 1
    return shares


def price_basket(
    lines: list[tuple[int, str, int, bool]],
    discount_percent: int = 0,
    net_mode: bool = False,
    points_to_redeem: int = 0,
    points_balance: int = 0,
    point_value: int = 1,
    points_per_eur: int = 1,
    points_blocked: bool = False,
) -> dict[str, Any]:
    priced = []
    sums: dict[int, int] = {}
    for i, (price, qty, rate, discountable) in enumerate(lines):
        q = parse_quantity(qty, i)
        gross = round_half_up(price * q, 1000)
        _fits("gross", gross)
        pct = discount_percent if discountable else 0
        discount = round_half_up(gross * pct, 100)
        total = gross - discount
        if net_mode:
            total = round_half_up(total * 10000, 10000 + rate)
        priced.append((gross, pct, discount, total))
        sums[rate] = sums.get(rate, 0) + total
    subtotal = sum(p[3] for p in priced)
    _fits("total", subtotal)
    value = redeem_points(points_balance, points_to_redeem, subtotal, point_value, points_blocked)[
        "value"
    ]
    shares = redemption_shares(value, sums)
    vat = []
    for rate in sorted(sums):
        paid = sums[rate] - shares[rate]
        v = 0 if net_mode else round_half_up(paid * rate, 10000 + rate)
        vat.append((rate, paid - v, v, paid, shares[rate]))
    total = subtotal - value
    return {
        "lines": priced,
        "vat": vat,
        "subtotal": subtotal,
        "points_value": value,
        "total": total,
        "points_earned": points_earned(total, points_per_eur, points_blocked),
    }


# ----------------------------------------------------------------- journal --

_I64 = struct.Struct(">q")
_U32 = struct.Struct(">I")


def _opt_int(v: int | None) -> bytes:
    return b"\x00" if v is None else b"\x01" + _I64.pack(v)


def _text(t: str) -> bytes:
    b = t.encode()
    return _U32.pack(len(b)) + b


def _opt_text(t: str | None) -> bytes:
    return b"\x00" if t is None else b"\x01" + _text(t)


def encode_entry(*row: Any) -> bytes:
    """Canonical encoding v1 of a row (``JOURNAL_COLUMNS`` order), written
    from its documentation."""
    e = dict(zip(JOURNAL_COLUMNS, row, strict=True))
    return b"".join(
        (
            b"TEJ1",
            _I64.pack(e["seq"]),
            _I64.pack(e["customer_id"]),
            _I64.pack(e["operation_id"]),
            _I64.pack(e["type"]),
            bytes((ACCOUNT_BYTE[e["account"]],)),
            _I64.pack(e["amount"]),
            _opt_int(e["cash_after"]),
            _opt_int(e["bonus_after"]),
            _opt_int(e["points_after"]),
            _opt_int(e["reverses"]),
            _opt_text(e["receipt_no"]),
            _text(e["actor"]),
            _opt_text(e["reason"]),
            _text(e["created_at"]),
        )
    )


def entry_hash(prev: bytes, *fields: Any) -> bytes:
    return hashlib.sha256(prev + encode_entry(*fields)).digest()


def verify_rows(
    rows: Any, balances: dict[int, tuple[int, int, int]] | None = None
) -> dict[str, Any]:
    """Replays rows (journal column order + hash). Returns ok, entries_checked,
    customers, first_bad_seq, bad_customer."""
    prev = GENESIS
    replay: dict[int, list[int]] = {}
    n = 0
    last = None
    idx = {"cash": 0, "bonus": 1, "points": 2}

    def bad(seq: int | None, cid: int | None, why: str) -> dict[str, Any]:
        return {
            "ok": False,
            "entries_checked": n,
            "customers": len(replay),
            "first_bad_seq": seq,
            "bad_customer": cid,
            "reason": why,
        }

    for row in rows:
        seq, cid, _op, code, account, amount, ca, ba, pa = row[:9]
        stored = row[14]
        due = 1 if last is None else last + 1
        if seq > due:  # entries deleted: the first missing one is the bad entry
            return bad(due, None, "missing")
        if seq < due:
            return bad(seq, cid, "order")
        if account not in idx or code not in CREDIT_CODES[account]:
            return bad(seq, cid, "code")
        if amount == 0 or abs(amount) > MAX_AMOUNT:
            return bad(seq, cid, "amount")
        h = hashlib.sha256(prev + encode_entry(*row[:14])).digest()
        if h != stored:
            return bad(seq, cid, "hash")
        b = replay.setdefault(cid, [0, 0, 0])
        b[idx[account]] += amount
        if b[idx[account]] < 0 or b[idx[account]] > MAX_AMOUNT:
            return bad(seq, cid, "negative")
        credit = account != "points"
        for stored_v, replayed, required in (
            (ca, b[0], credit),
            (ba, b[1], credit),
            (pa, b[2], not credit),
        ):
            if (stored_v is None and required) or (stored_v is not None and stored_v != replayed):
                return bad(seq, cid, "after")
        prev = h
        last = seq
        n += 1
    if balances is not None:
        for cid in sorted(set(balances) | set(replay)):
            want = tuple(replay.get(cid, (0, 0, 0)))
            if tuple(balances.get(cid, (0, 0, 0))) != want:
                return bad(None, cid, "balances")
    return {
        "ok": True,
        "entries_checked": n,
        "customers": len(replay),
        "first_bad_seq": None,
        "bad_customer": None,
        "reason": None,
        "head_hash": prev,
    }


def verify_db(path: str) -> dict[str, Any]:
    """The reference verifier reading the SQLite file with the sqlite3 module."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("BEGIN")
        rows = conn.execute(
            "SELECT seq, customer_id, operation_id, type, account, amount, cash_after, "
            "bonus_after, points_after, receipt_no, actor, reason, reverses, created_at, hash "
            "FROM journal ORDER BY seq"
        )
        balances = {
            r[0]: (r[1], r[2], r[3])
            for r in conn.execute("SELECT customer_id, cash, bonus, points FROM balances")
        }
        return verify_rows(rows, balances)
    finally:
        conn.close()
