"""Refunds read as refunds (issue #16): each entry's ``kind`` beside its fixed
type code, and purchase statistics net of refunds (SPEC §5)."""

from __future__ import annotations

import pytest

from .conftest import checkout

pytestmark = pytest.mark.usefixtures("writes_in")  # see conftest.py

SALE = [{"sku": "4711", "name": "Brot", "unit_price": 899, "vat_rate_bp": 700}]


def kinds(entries):
    return [(e["account"], e["type"], e["type_name"], e["kind"], e["amount"]) for e in entries]


def test_a_sale_a_partial_refund_and_a_claw_back_say_what_they_are(pos, new_customer):
    cid = new_customer()
    top = pos.post(f"/customers/{cid}/topups", {"amount": 5000})  # + 500 bonus
    assert kinds(top.json["entries"]) == [
        ("cash", 0, "topup", "topup", 5000),
        ("bonus", 3, "bonus_topup", "bonus_grant", 500),
    ]
    sale = checkout(pos, cid, "K-1", SALE)
    assert sale.status_code == 201, sale.json
    # Bonus first: 500 bonus, 399 cash; floor(899 / 100) = 8 points.
    assert kinds(sale.json["entries"]) == [
        ("bonus", 4, "bonus_usage", "payment", -500),
        ("cash", 1, "usage", "payment", -399),
        ("points", 0, "earned", "points_earned", 8),
    ]
    refund = pos.post(f"/payments/{sale.json['payment_id']}/refunds", {"amount": 300})
    assert refund.status_code == 201, refund.json
    # Cash first; round(8 * 300 / 899) = round(2.67) = 3 points taken back.
    assert kinds(refund.json["entries"]) == [
        ("cash", 1, "usage", "refund", 300),
        ("points", 0, "earned", "points_clawback", -3),
    ]
    listed = pos.get(f"/customers/{cid}/transactions").json["items"]
    assert [e["kind"] for e in listed] == [
        "points_clawback",
        "refund",
        "points_earned",
        "payment",
        "payment",
        "bonus_grant",
        "topup",
    ]


def test_a_void_and_a_payout_are_named(manager, new_customer):
    cid = new_customer()
    top = manager.post(f"/customers/{cid}/topups", {"amount": 6000}).json  # + 600 bonus
    keep = manager.post(f"/customers/{cid}/topups", {"amount": 1000})
    assert keep.status_code == 201
    void = manager.post(f"/topups/{top['operation_id']}/void", {"reason": "wrong customer"})
    assert [(e["kind"], e["amount"]) for e in void.json["entries"]] == [
        ("void", -6000),
        ("void", -600),
    ]
    out = manager.post(f"/customers/{cid}/payouts", {"amount": 400})
    assert [(e["kind"], e["type_name"]) for e in out.json["entries"]] == [("payout", "payout")]


def stats(pos, cid):
    body = pos.get(f"/customers/{cid}/purchases").json
    s = body["stats"]
    return (s["total"], s["count"], s["average"]), body


def test_a_fully_refunded_sale_counts_nothing(pos, new_customer):
    cid = new_customer()
    pos.post(f"/customers/{cid}/topups", {"amount": 4000})  # below the bonus tier
    sale = checkout(pos, cid, "R-1", SALE).json
    assert stats(pos, cid)[0] == (899, 1, 899)

    pos.post(f"/payments/{sale['payment_id']}/refunds", {"amount": 300})
    totals, body = stats(pos, cid)
    assert totals == (599, 1, 599)
    item = body["items"][0]
    assert (item["total"], item["refunded"], item["net_total"], item["fully_refunded"]) == (
        899,
        300,
        599,
        False,
    )

    pos.post(f"/payments/{sale['payment_id']}/refunds", {"amount": 599})
    totals, body = stats(pos, cid)
    # Given back whole: 0 € and no purchase; the sale is still listed, marked.
    assert totals == (0, 0, 0)
    assert body["total"] == 1
    item = body["items"][0]
    assert (item["total"], item["refunded"], item["net_total"], item["fully_refunded"]) == (
        899,
        899,
        0,
        True,
    )
    assert body["stats"]["last_purchase_at"] == item["created_at"]


def test_the_average_is_over_the_purchases_that_still_count(pos, new_customer):
    cid = new_customer()
    pos.post(f"/customers/{cid}/topups", {"amount": 4000})
    given_back = checkout(pos, cid, "A-1", SALE).json
    checkout(pos, cid, "A-2", [{"unit_price": 1000, "vat_rate_bp": 1900}])
    checkout(pos, cid, "A-3", [{"unit_price": 501, "vat_rate_bp": 1900}])
    pos.post(f"/payments/{given_back['payment_id']}/refunds", {"amount": 899})
    # (1000 + 501) / 2 = 750.5 -> 751, half up
    assert stats(pos, cid)[0] == (1501, 2, 751)
