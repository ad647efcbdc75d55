"""Property tests: the Rust core and the pure-Python reference model agree on
every operation, and the ledger invariants hold (balances never negative,
payment parts sum to the amount, refunds never exceed payments, the replay of
the produced journal equals the balances).

``LEDGER_EXAMPLES`` scales the example counts (default 2000 for the core
operations; CI on 2 cores runs the whole directory in well under a minute).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge import ledger as L

from . import reference_model as M

N = int(os.environ.get("LEDGER_EXAMPLES", "2000"))
CORE = settings(
    max_examples=N, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
HEAVY = settings(
    max_examples=max(N // 8, 50),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

MAX = L.MAX_AMOUNT
# Mostly everyday amounts, sometimes the edges (0, negative, the limit, beyond).
amounts = st.one_of(
    st.integers(-3, 200_000),
    st.sampled_from([0, 1, MAX - 1, MAX, MAX + 1, -MAX]),
    st.integers(-(2**62), 2**62),
)
balances = st.one_of(st.integers(0, 100_000), st.sampled_from([0, 1, MAX - 1, MAX]))


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    """('ok', result) or ('error', exception)."""
    try:
        return ("ok", fn())
    except (L.LedgerError, M.ModelError) as e:
        return ("error", e)


def entries(result: Any) -> list[tuple[Any, ...]]:
    return [
        (p.code, p.account, p.amount, p.cash_after, p.bonus_after, p.points_after)
        for p in result.entries
    ]


def agree(rust: Callable[[], Any], model: Callable[[], Any]) -> tuple[Any, dict[str, Any]] | None:
    """Runs both; checks that they fail alike (same class, same numbers) or
    both succeed. Returns (rust result, model result) on success."""
    r_kind, r = outcome(rust)
    m_kind, m = outcome(model)
    assert r_kind == m_kind, (r, m)
    if r_kind == "error":
        assert type(r).__name__ == m.kind, (r, m.kind)
        for key, value in m.details.items():
            assert getattr(r, key) == value, (key, r, m.details)
        return None
    return r, m


def check_postings(result: Any) -> None:
    for p in result.entries:
        assert p.amount != 0
        for v in (p.cash_after, p.bonus_after, p.points_after):
            assert v is None or 0 <= v <= MAX


# ------------------------------------------------------------- operations --


@CORE
@given(cash=balances, bonus=balances, amount=amounts, partial=st.booleans())
def test_settle(cash: int, bonus: int, amount: int, partial: bool) -> None:
    both = agree(
        lambda: L.settle(cash, bonus, amount, allow_partial=partial),
        lambda: M.settle(cash, bonus, amount, partial),
    )
    if both is None:
        return
    r, m = both
    assert (r.from_bonus, r.from_cash, r.remaining) == (
        m["from_bonus"],
        m["from_cash"],
        m["remaining"],
    )
    assert entries(r) == m["entries"]
    assert (r.cash_after, r.bonus_after) == (m["cash_after"], m["bonus_after"])
    # invariants
    assert r.from_bonus + r.from_cash + r.remaining == amount
    assert r.from_bonus == min(bonus, amount)
    assert r.cash_after >= 0 and r.bonus_after >= 0
    assert (r.cash_after, r.bonus_after) == (cash - r.from_cash, bonus - r.from_bonus)
    assert partial or r.remaining == 0
    assert r.entries, "a payment always takes something"
    check_postings(r)


@HEAVY
@given(rows=st.lists(st.tuples(balances, balances, amounts), max_size=30), partial=st.booleans())
def test_settle_batch_matches_settle(rows: list[tuple[int, int, int]], partial: bool) -> None:
    """Each batch row is what the model's single settlement says: settled with
    its split, refused (1, insufficient funds — also a partial payment that
    can take nothing) or invalid (2)."""
    b = L.settle_batch(
        [c for c, _, _ in rows],
        [x for _, x, _ in rows],
        [a for _, _, a in rows],
        allow_partial=partial,
    )
    for i, row in enumerate(rows):
        kind, m = outcome(lambda row=row: M.settle(*row, partial))
        if kind == "ok":
            assert b.status[i] == 0
            assert (b.from_bonus[i], b.from_cash[i], b.remaining[i]) == (
                m["from_bonus"],
                m["from_cash"],
                m["remaining"],
            )
            assert b.from_bonus[i] + b.from_cash[i] > 0
        else:
            assert b.status[i] == (1 if m.kind == "InsufficientFunds" else 2), (m.kind, rows[i])
            assert (b.from_bonus[i], b.from_cash[i], b.remaining[i]) == (0, 0, 0)
    assert b.settled == sum(1 for s in b.status if s == 0)


tiers = st.lists(
    st.tuples(st.integers(0, 20_000), st.one_of(st.integers(0, 2000), st.just(10_001))),
    max_size=4,
)


@CORE
@given(
    cash=balances,
    bonus=balances,
    amount=amounts,
    tiers=tiers,
    max_topup=st.one_of(st.none(), st.integers(0, 100_000)),
    max_balance=st.one_of(st.none(), st.integers(0, 300_000)),
)
def test_topup(
    cash: int,
    bonus: int,
    amount: int,
    tiers: list[tuple[int, int]],
    max_topup: int | None,
    max_balance: int | None,
) -> None:
    both = agree(
        lambda: L.topup(
            cash, bonus, amount, tiers=tiers, max_topup=max_topup, max_balance=max_balance
        ),
        lambda: M.topup(cash, bonus, amount, tiers, max_topup, max_balance),
    )
    if both is None:
        return
    r, m = both
    assert (r.bonus, r.rate_bp) == (m["bonus"], m["rate_bp"])
    assert entries(r) == m["entries"]
    assert r.cash_after == cash + amount and r.bonus_after == bonus + r.bonus
    if max_balance:
        assert r.cash_after + r.bonus_after <= max_balance
    check_postings(r)


@CORE
@given(
    cash=balances,
    bonus=balances,
    paid_cash=st.integers(0, 50_000),
    paid_bonus=st.integers(0, 50_000),
    data=st.data(),
)
def test_refund(
    cash: int, bonus: int, paid_cash: int, paid_bonus: int, data: st.DataObject
) -> None:
    rc = data.draw(st.integers(0, paid_cash + 2), label="restored_cash")
    rb = data.draw(st.integers(0, paid_bonus + 2), label="restored_bonus")
    amount = data.draw(st.integers(-2, paid_cash + paid_bonus + 2), label="amount")
    both = agree(
        lambda: L.refund(
            cash,
            bonus,
            paid_cash=paid_cash,
            paid_bonus=paid_bonus,
            amount=amount,
            restored_cash=rc,
            restored_bonus=rb,
        ),
        lambda: M.refund(cash, bonus, paid_cash, paid_bonus, amount, rc, rb),
    )
    if both is None:
        return
    r, m = both
    assert (r.to_cash, r.to_bonus) == (m["to_cash"], m["to_bonus"])
    assert entries(r) == m["entries"]
    # never more than the payment took, cash first
    assert rc + r.to_cash <= paid_cash and rb + r.to_bonus <= paid_bonus
    assert r.to_cash + r.to_bonus == amount
    assert r.to_bonus == 0 or rc + r.to_cash == paid_cash
    check_postings(r)


@CORE
@given(
    points=st.integers(0, 10_000),
    earned=st.integers(0, 5_000),
    paid_total=st.integers(0, 500_000),
    data=st.data(),
)
def test_points_clawback(points: int, earned: int, paid_total: int, data: st.DataObject) -> None:
    already = data.draw(st.integers(0, paid_total), label="already")
    refunded = data.draw(st.integers(0, paid_total - already + 1), label="refunded")
    both = agree(
        lambda: L.points_clawback(
            points,
            earned=earned,
            paid_total=paid_total,
            refunded=refunded,
            already_refunded=already,
        ),
        lambda: M.points_clawback(points, earned, paid_total, refunded, already),
    )
    if both is None:
        return
    r, m = both
    assert (r.due, r.taken, r.shortfall, r.points_after) == (
        m["due"],
        m["taken"],
        m["shortfall"],
        m["points_after"],
    )
    assert entries(r) == m["entries"]
    assert 0 <= r.taken <= points and r.points_after >= 0
    if already == 0:
        assert r.due == M.round_half_up(earned * refunded, paid_total or 1)


@CORE
@given(
    cash=balances,
    bonus=balances,
    points=balances,
    amount=amounts,
    other=amounts,
    account=st.sampled_from(["cash", "bonus", "points"]),
    reason=st.sampled_from(["", " ", "typo", "Inventur"]),
    voided=st.booleans(),
)
def test_void_payout_correction(
    cash: int,
    bonus: int,
    points: int,
    amount: int,
    other: int,
    account: str,
    reason: str,
    voided: bool,
) -> None:
    other = abs(other) % 100_000
    both = agree(
        lambda: L.void_topup(
            cash, bonus, topup_amount=amount, topup_bonus=other, already_voided=voided
        ),
        lambda: M.void_topup(cash, bonus, amount, other, voided),
    )
    if both:
        assert entries(both[0]) == both[1]["entries"]
        check_postings(both[0])
    both = agree(lambda: L.payout(cash, bonus, amount), lambda: M.payout(cash, bonus, amount))
    if both:
        assert entries(both[0]) == both[1]["entries"]
        assert both[0].bonus_after == bonus
    both = agree(
        lambda: L.correction(cash, bonus, points, account=account, amount=amount, reason=reason),
        lambda: M.correction(cash, bonus, points, account, amount, reason),
    )
    if both:
        r, m = both
        assert entries(r) == m["entries"]
        assert (r.cash_after, r.bonus_after, r.points_after) == (
            m["cash_after"],
            m["bonus_after"],
            m["points_after"],
        )
        check_postings(r)


@CORE
@given(
    points=st.integers(0, 100_000),
    paid_total=st.integers(0, 10**9),
    per_eur=st.integers(0, 10),
    requested=st.integers(0, 200_000),
    basket=st.integers(0, 200_000),
    point_value=st.integers(1, 100),
    blocked=st.booleans(),
)
def test_points(
    points: int,
    paid_total: int,
    per_eur: int,
    requested: int,
    basket: int,
    point_value: int,
    blocked: bool,
) -> None:
    assert L.points_earned(paid_total, per_eur, blocked) == M.points_earned(
        paid_total, per_eur, blocked
    )
    both = agree(
        lambda: L.redeem_points(
            points, requested, basket_total=basket, point_value=point_value, blocked=blocked
        ),
        lambda: M.redeem_points(points, requested, basket, point_value, blocked),
    )
    if both:
        r, m = both
        assert (r.value, r.points_after) == (m["value"], m["points_after"])
        assert entries(r) == m["entries"]
        assert r.value <= basket and r.points_after >= 0


# ---------------------------------------------------------------- pricing --

quantity_text = st.one_of(
    st.integers(1, 99_999).map(lambda q: f"{q // 1000}.{q % 1000:03d}".rstrip("0").rstrip(".")),
    st.integers(1, 50).map(str),
    st.text(alphabet="0123456789.-+ e,", max_size=7),
)


@CORE
@given(text=quantity_text)
def test_parse_quantity(text: str) -> None:
    both = agree(lambda: L.parse_quantity(text, 3), lambda: M.parse_quantity(text, 3))
    if both:
        assert both[0] == both[1]


lines = st.lists(
    st.tuples(
        st.one_of(st.integers(0, 100_000), st.sampled_from([0, 1, 5, 1005, MAX])),
        st.one_of(
            st.integers(1, 20_000).map(
                lambda q: f"{q // 1000}.{q % 1000:03d}" if q % 1000 else str(q // 1000)
            ),
            st.sampled_from(["1", "2", "0.5", "1.255", "0.001"]),
        ),
        st.sampled_from([0, 700, 1900, 2000, 550]),
        st.booleans(),
    ),
    max_size=20,
)


@CORE
@given(
    lines=lines,
    pct=st.integers(0, 100),
    net=st.booleans(),
    redeem=st.integers(0, 5_000),
    balance=st.integers(0, 5_000),
    point_value=st.integers(1, 10),
    per_eur=st.integers(0, 3),
    blocked=st.booleans(),
)
def test_price_basket(
    lines: list[tuple[int, str, int, bool]],
    pct: int,
    net: bool,
    redeem: int,
    balance: int,
    point_value: int,
    per_eur: int,
    blocked: bool,
) -> None:
    kwargs = dict(
        net_mode=net,
        points_to_redeem=redeem,
        points_balance=balance,
        point_value=point_value,
        points_per_eur=per_eur,
        points_blocked=blocked,
    )
    both = agree(
        lambda: L.price_basket(lines, pct, **kwargs),  # type: ignore[arg-type]
        lambda: M.price_basket(lines, pct, **kwargs),  # type: ignore[arg-type]
    )
    if both is None:
        return
    r, m = both
    assert [(x.gross, x.discount_percent, x.discount, x.total) for x in r.lines] == m["lines"]
    assert [(v.rate_bp, v.net, v.vat, v.gross, v.points_share) for v in r.vat] == m["vat"]
    assert (r.subtotal, r.points_value, r.total, r.points_earned) == (
        m["subtotal"],
        m["points_value"],
        m["total"],
        m["points_earned"],
    )
    # invariants
    assert r.total >= 0 and r.points_value <= r.subtotal
    assert sum(v.gross for v in r.vat) == r.total
    assert sum(v.points_share for v in r.vat) == r.points_value
    assert all(v.net + v.vat == v.gross for v in r.vat)
    # dicts give the same result as tuples
    as_dicts = [
        {"unit_price": p, "quantity": q, "vat_rate_bp": v, "discountable": d}
        for p, q, v, d in lines
    ]
    assert L.price_basket(as_dicts, pct, **kwargs).total == r.total  # type: ignore[arg-type]


sale_lines = st.lists(
    st.tuples(
        st.one_of(st.integers(0, 100_000), st.sampled_from([1, 5, 1005, 10**9])),
        st.sampled_from(["1", "2", "3", "0.5", "1.255", "0.001", "12"]),
        st.sampled_from([0, 700, 1900, 2000, 550]),
        st.booleans(),
    ),
    min_size=1,
    max_size=12,
)


@CORE
@given(lines=sale_lines, pct=st.integers(0, 100), net=st.booleans(), data=st.data())
def test_vat_after_points(
    lines: list[tuple[int, str, int, bool]], pct: int, net: bool, data: st.DataObject
) -> None:
    """Any redemption the basket allows (0 to all of it): core and model agree
    on every VAT row, the shares are a non-negative split of the redeemed
    value, and the rows add up to what is paid (SPEC §4)."""
    subtotal = M.price_basket(lines, pct, net_mode=net)["subtotal"]
    redeem = data.draw(
        st.one_of(st.integers(0, subtotal), st.sampled_from([0, subtotal])), label="redeem"
    )
    kwargs = dict(net_mode=net, points_to_redeem=redeem, points_balance=redeem)
    r = L.price_basket(lines, pct, **kwargs)  # type: ignore[arg-type]
    m = M.price_basket(lines, pct, **kwargs)  # type: ignore[arg-type]
    assert [(v.rate_bp, v.net, v.vat, v.gross, v.points_share) for v in r.vat] == m["vat"]
    assert (r.subtotal, r.points_value, r.total) == (subtotal, redeem, subtotal - redeem)
    sums: dict[int, int] = {}
    for (_, _, rate, _), line in zip(lines, r.lines, strict=True):
        sums[rate] = sums.get(rate, 0) + line.total
    for v in r.vat:
        assert 0 <= v.points_share <= sums[v.rate_bp]
        assert v.gross == sums[v.rate_bp] - v.points_share
        # within one unit of the exact proportion R * T_i / T
        assert abs(v.points_share * subtotal - redeem * sums[v.rate_bp]) < max(subtotal, 1)
        if net:
            assert (v.vat, v.net) == (0, v.gross)
        else:
            assert v.vat == M.round_half_up(v.gross * v.rate_bp, 10_000 + v.rate_bp)
    assert sum(v.points_share for v in r.vat) == redeem
    assert sum(v.gross for v in r.vat) == r.total


@HEAVY
@given(
    customer=st.one_of(st.none(), st.integers(-2, 102)),
    group=st.one_of(st.none(), st.integers(-2, 102)),
)
def test_effective_discount(customer: int | None, group: int | None) -> None:
    both = agree(
        lambda: L.effective_discount(customer, group),
        lambda: M.effective_discount(customer, group),
    )
    if both:
        assert both[0] == both[1]


# ------------------------------------------------- journal of a simulation --

op = st.tuples(
    st.sampled_from(
        ["topup", "pay", "pay_partial", "refund", "void", "payout", "correct", "earn", "redeem"]
    ),
    st.integers(0, 3),  # customer
    st.integers(1, 20_000),  # amount
    st.integers(-5_000, 5_000),  # signed extra
)


@HEAVY
@given(ops=st.lists(op, max_size=60))
def test_simulated_journal_replays_to_balances(ops: list[tuple[str, int, int, int]]) -> None:
    """Random operations through the façade: written entries hash-chain, replay
    (Rust and model) equals the balances, and no refund exceeds its payment."""
    bal = {c: [0, 0, 0] for c in range(4)}
    payments: dict[int, list[tuple[int, int, list[int]]]] = {c: [] for c in range(4)}
    topups: dict[int, list[list[int]]] = {c: [] for c in range(4)}
    rows: list[tuple[Any, ...]] = []
    op_id = 0

    def write(cid: int, result: Any) -> None:
        for p in result.entries:
            rows.append(
                (
                    len(rows) + 1,
                    cid,
                    op_id,
                    p.code,
                    p.account,
                    p.amount,
                    p.cash_after,
                    p.bonus_after,
                    p.points_after,
                    None,
                    "pos",
                    None,
                    None,
                    "2026-11-24T00:00:00Z",
                )
            )
        b = bal[cid]
        if hasattr(result, "bonus_after"):
            b[0] = result.cash_after
            b[1] = result.bonus_after
        if hasattr(result, "points_after"):
            b[2] = result.points_after

    for kind, cid, amount, extra in ops:
        op_id += 1
        cash, bonus, points = bal[cid]
        try:
            if kind == "topup":
                r = L.topup(cash, bonus, amount, tiers=[(0, 0), (5000, 1000)], max_balance=100_000)
                topups[cid].append([r.amount, r.bonus, 0])
            elif kind in ("pay", "pay_partial"):
                r = L.settle(cash, bonus, amount, allow_partial=kind == "pay_partial")
                assert r.from_bonus + r.from_cash + r.remaining == amount
                payments[cid].append((r.from_cash, r.from_bonus, [0, 0]))
            elif kind == "refund":
                if not payments[cid]:
                    continue
                pc, pb, restored = payments[cid][amount % len(payments[cid])]
                r = L.refund(
                    cash,
                    bonus,
                    paid_cash=pc,
                    paid_bonus=pb,
                    amount=abs(extra) + 1,
                    restored_cash=restored[0],
                    restored_bonus=restored[1],
                )
                restored[0] += r.to_cash
                restored[1] += r.to_bonus
                assert restored[0] <= pc and restored[1] <= pb
            elif kind == "void":
                if not topups[cid]:
                    continue
                t = topups[cid][amount % len(topups[cid])]
                r = L.void_topup(
                    cash, bonus, topup_amount=t[0], topup_bonus=t[1], already_voided=bool(t[2])
                )
                t[2] = 1
            elif kind == "payout":
                r = L.payout(cash, bonus, amount)
            elif kind == "correct":
                account = ("cash", "bonus", "points")[amount % 3]
                r = L.correction(cash, bonus, points, account=account, amount=extra, reason="x")
            elif kind == "earn":
                r = L.earn_points(points, amount)
            else:
                r = L.redeem_points(points, extra % 50, basket_total=amount)
        except L.LedgerError:
            continue
        write(cid, r)
        assert all(v >= 0 for v in bal[cid])

    final = {c: (b[0], b[1], b[2]) for c, b in bal.items() if any(b)}
    hashed = [(*r, h) for r, h in zip(rows, L.chain_hashes(L.GENESIS_HASH, rows), strict=True)]
    report = L.verify_entries(hashed, final)
    assert report.ok, report.reason
    assert report.entries_checked == len(rows)
    ref = M.verify_rows(hashed, final)
    assert ref["ok"], ref
    assert ref["head_hash"] == report.head_hash
