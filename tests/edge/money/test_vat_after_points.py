"""SPEC §4 through the API: a points redemption lowers the VAT base, so the
VAT rows of quotes and checkouts add up to what the customer pays."""

from __future__ import annotations

import pytest

from .conftest import checkout

pytestmark = pytest.mark.usefixtures("writes_in")  # see conftest.py

# SPEC §4's example: 5000 at 19 % and 2000 at 7 %, 1000 redeemed -> shares 714 / 286
SPEC_LINES = [
    {"quantity": "1", "unit_price": 5000, "vat_rate_bp": 1900},
    {"quantity": "1", "unit_price": 2000, "vat_rate_bp": 700},
]
SPEC_VAT = [
    {"rate_bp": 700, "net": 1602, "vat": 112, "gross": 1714, "points_share": 286},
    {"rate_bp": 1900, "net": 3602, "vat": 684, "gross": 4286, "points_share": 714},
]


@pytest.fixture
def points_customer(manager, new_customer):
    """A customer with 1000 points and 10000 cash (plus 1000 bonus from the tier)."""

    def make() -> str:
        cid = new_customer()
        r = manager.post(
            f"/customers/{cid}/corrections",
            {"account": "points", "amount": 1000, "reason": "welcome"},
        )
        assert r.status_code == 201, r.json
        assert manager.post(f"/customers/{cid}/topups", {"amount": 10000}).status_code == 201
        return cid

    return make


def test_quote_spreads_the_redemption_over_the_vat_rates(pos, points_customer):
    cid = points_customer()
    r = pos.post("/quotes", {"customer_id": cid, "lines": SPEC_LINES, "redeem_points": 1000})
    assert r.status_code == 200, r.json
    assert r.json["vat"] == SPEC_VAT
    assert (r.json["subtotal"], r.json["points_value"], r.json["total"]) == (7000, 1000, 6000)
    assert sum(v["gross"] for v in r.json["vat"]) == r.json["total"]


def test_checkout_shows_the_same_vat_rows(pos, points_customer):
    cid = points_customer()
    r = checkout(pos, cid, "VP-1", SPEC_LINES, redeem_points=1000)
    assert r.status_code == 201, r.json
    assert r.json["vat"] == SPEC_VAT
    # all 1000 points redeemed, floor(6000 / 100) = 60 earned on what was paid
    assert (r.json["total"], r.json["points"]) == (6000, 60)


def test_without_redemption_the_rows_are_the_line_totals(pos, points_customer):
    cid = points_customer()
    r = pos.post("/quotes", {"customer_id": cid, "lines": SPEC_LINES})
    assert r.status_code == 200, r.json
    assert r.json["vat"] == [
        {"rate_bp": 700, "net": 1869, "vat": 131, "gross": 2000, "points_share": 0},
        {"rate_bp": 1900, "net": 4202, "vat": 798, "gross": 5000, "points_share": 0},
    ]
