"""SPEC §4, VAT after points redemption, with its numbers: the redeemed value
is spread over the VAT rates by largest remainder and each rate's VAT is
computed on what is paid for it — in the core and in the reference model."""

from __future__ import annotations

from typing import Any

import pytest

from edge import ledger as L

from . import reference_model as M

SPEC_EXAMPLE = [(5000, "1", 1900, True), (2000, "1", 700, True)]


def rows(lines: list[tuple[int, str, int, bool]], redeem: int, net: bool = False) -> Any:
    """``(rate_bp, points_share, gross, vat, net)`` per VAT row from the core,
    after checking the model gives the same rows."""
    kwargs: dict[str, Any] = dict(net_mode=net, points_to_redeem=redeem, points_balance=redeem)
    b = L.price_basket(lines, **kwargs)
    got = [(v.rate_bp, v.points_share, v.gross, v.vat, v.net) for v in b.vat]
    model = M.price_basket(lines, **kwargs)["vat"]
    assert [(r, s, g, v, n) for r, n, v, g, s in model] == got
    assert sum(v.gross for v in b.vat) == b.total
    return got


def test_spec_example() -> None:
    # 1000 * 5000 / 7000 = 714 rest 2000, 1000 * 2000 / 7000 = 285 rest 5000:
    # the unit left goes to 7 %, the larger remainder
    assert rows(SPEC_EXAMPLE, 1000) == [(700, 286, 1714, 112, 1602), (1900, 714, 4286, 684, 3602)]
    b = L.price_basket(SPEC_EXAMPLE, points_to_redeem=1000, points_balance=1000)
    assert (b.subtotal, b.points_value, b.total, b.points_earned) == (7000, 1000, 6000, 60)


def test_point_value_is_spread_not_the_point_count() -> None:
    # 500 points worth 2 each: R = 1000, the same rows as the example
    b = L.price_basket(SPEC_EXAMPLE, points_to_redeem=500, points_balance=500, point_value=2)
    assert [(v.rate_bp, v.points_share, v.vat) for v in b.vat] == [
        (700, 286, 112),
        (1900, 714, 684),
    ]


@pytest.mark.parametrize(
    ("lines", "redeem", "shares"),
    [
        # equal remainders (2000 each): the larger sum wins, although its rate is lower
        ([(3000, "1", 700, True), (1000, "1", 1900, True)], 2, [(700, 2), (1900, 0)]),
        # equal sums, equal remainders: the higher rate wins
        ([(1000, "1", 700, True), (1000, "1", 1900, True)], 1, [(700, 0), (1900, 1)]),
        # three equal sums, two units left: the two higher rates
        (
            [(1000, "1", 700, True), (1000, "1", 1900, True), (1000, "1", 0, True)],
            2,
            [(0, 0), (700, 1), (1900, 1)],
        ),
    ],
)
def test_ties(
    lines: list[tuple[int, str, int, bool]], redeem: int, shares: list[tuple[int, int]]
) -> None:
    assert [(r, s) for r, s, *_ in rows(lines, redeem)] == shares


def test_nothing_everything_one_rate() -> None:
    assert rows(SPEC_EXAMPLE, 0) == [(700, 0, 2000, 131, 1869), (1900, 0, 5000, 798, 4202)]
    assert rows(SPEC_EXAMPLE, 7000) == [(700, 2000, 0, 0, 0), (1900, 5000, 0, 0, 0)]
    assert rows([(1190, "1", 1900, True)], 190) == [(1900, 190, 1000, 160, 840)]


def test_net_mode_spreads_over_the_net_sums() -> None:
    # net line totals 1000 (19 %) and 2000 (7 %): 100 * 2000 / 3000 = 66 rest 2000
    lines = [(1190, "1", 1900, True), (2140, "1", 700, True)]
    assert rows(lines, 100, net=True) == [(700, 67, 1933, 0, 1933), (1900, 33, 967, 0, 967)]


def test_discounts_come_first() -> None:
    # 10 % off the discountable 19 % line: sums 4500 and 2000, R = 650
    lines = [(5000, "1", 1900, True), (2000, "1", 700, False)]
    b = L.price_basket(lines, 10, points_to_redeem=650, points_balance=650)
    assert [(v.rate_bp, v.points_share, v.gross) for v in b.vat] == [
        (700, 200, 1800),
        (1900, 450, 4050),
    ]
    assert b.total == 5850
