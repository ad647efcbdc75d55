"""SPEC §4–§5: pricing, points and the checkout through the API."""

from __future__ import annotations

import pytest

from edge import ledger

from .conftest import checkout, journal_count

pytestmark = pytest.mark.usefixtures("writes_in")  # see conftest.py


def line(unit_price, quantity="1", vat=1900, discountable=True, **kw):
    return {
        "sku": kw.get("sku", "4001"),
        "name": kw.get("name", "Latte"),
        "quantity": quantity,
        "unit_price": unit_price,
        "vat_rate_bp": vat,
        "discountable": discountable,
    }


def test_quote_has_no_side_effects(pos, new_customer, box):
    cid = new_customer()
    pos.post(f"/customers/{cid}/topups", {"amount": 1000})
    before = journal_count(box)
    r = pos.post(
        "/quotes",
        {"customer_id": cid, "lines": [line(380, "2")], "tenders": [{"type": "credit"}]},
    )
    assert r.status_code == 200, r.json
    assert r.json["total"] == 760
    assert (r.json["from_bonus"], r.json["from_cash"], r.json["left_to_pay"]) == (0, 760, 0)
    assert r.json["cash"] == 240
    assert journal_count(box) == before


def test_discount_cascade_customer_value_wins_even_when_zero(pos, new_customer, group):
    g = group(20)
    with_group = new_customer(group_id=g)
    own_zero = new_customer(group_id=g, discount_percent=0)
    own_ten = new_customer(group_id=g, discount_percent=10)
    nothing = new_customer()
    basket = [line(1005), line(500, discountable=False)]
    totals = {}
    for name, cid in [
        ("group", with_group),
        ("zero", own_zero),
        ("ten", own_ten),
        ("none", nothing),
    ]:
        r = pos.post("/quotes", {"customer_id": cid, "lines": basket})
        assert r.status_code == 200, r.json
        totals[name] = [
            (ln["discount_percent"], ln["discount"], ln["total"]) for ln in r.json["lines"]
        ]
    # 20 % of 1005 = 201; 10 % of 1005 = 100.5 -> 101; non-discountable lines untouched
    assert totals["group"] == [(20, 201, 804), (0, 0, 500)]
    assert totals["zero"] == [(0, 0, 1005), (0, 0, 500)]
    assert totals["ten"] == [(10, 101, 904), (0, 0, 500)]
    assert totals["none"] == [(0, 0, 1005), (0, 0, 500)]


def test_quantities_and_vat_per_rate(pos, new_customer):
    cid = new_customer()
    r = pos.post(
        "/quotes",
        {
            "customer_id": cid,
            "lines": [line(199, "1.255", vat=700), line(1000, "3", vat=1900), line(250, vat=700)],
        },
    )
    assert r.status_code == 200, r.json
    # 199 * 1.255 = 249.745 -> 250
    assert r.json["lines"][0]["gross"] == 250
    vat = {v["rate_bp"]: v for v in r.json["vat"]}
    # 7 %: sum 500 -> vat round(500 * 700 / 10700) = round(32.71) = 33
    assert vat[700] == {"rate_bp": 700, "net": 467, "vat": 33, "gross": 500, "points_share": 0}
    # 19 %: 3000 -> round(3000 * 1900 / 11900) = round(478.99) = 479
    assert vat[1900] == {"rate_bp": 1900, "net": 2521, "vat": 479, "gross": 3000, "points_share": 0}
    assert r.json["total"] == 3500


@pytest.mark.parametrize("quantity", ["1.2345", "abc", "-1", "0"])
def test_bad_quantity_names_the_line(pos, new_customer, quantity):
    cid = new_customer()
    r = pos.post("/quotes", {"customer_id": cid, "lines": [line(100), line(100, quantity)]})
    assert r.status_code == 422
    assert r.json["code"] == "validation_error"
    assert r.json["errors"][0]["field"] == "lines.1.quantity"


def test_net_mode_for_eu_business_customer(pos, new_customer, box):
    cid = new_customer(
        type="business",
        company_name="Fabrikaat BV",
        display_name="Fabrikaat BV",
        vat_id="NL123456789B01",
    )
    pos.post(f"/customers/{cid}/topups", {"amount": 50000})
    r = checkout(pos, cid, "N-1", [line(1190, vat=1900)])
    assert r.status_code == 201, r.json
    assert r.json["net_mode"] is True
    # net = round(1190 * 10000 / 11900) = 1000; VAT 0
    assert r.json["lines"][0]["total"] == 1000
    assert r.json["total"] == 1000
    assert all(v["vat"] == 0 for v in r.json["vat"])


def test_same_country_business_is_not_net_mode(pos, new_customer):
    cid = new_customer(
        type="business", company_name="Kiosk GmbH", display_name="Kiosk GmbH", vat_id="DE136695976"
    )
    r = pos.post("/quotes", {"customer_id": cid, "lines": [line(1190)]})
    assert r.json["net_mode"] is False
    assert r.json["total"] == 1190


def test_checkout_settles_earns_points_and_records_purchase(pos, new_customer, box):
    cid = new_customer()
    pos.post(f"/customers/{cid}/topups", {"amount": 5000})  # cash 5000, bonus 500
    r = checkout(
        pos,
        cid,
        "T1-000123",
        [line(380, "2"), line(1500)],
        tenders=[{"type": "credit", "amount": None}],
    )
    assert r.status_code == 201, r.json
    b = r.json
    assert b["total"] == 2260
    assert (b["from_bonus"], b["from_cash"], b["left_to_pay"]) == (500, 1760, 0)
    # floor(2260 * 1 / 100) = 22 points
    assert b["points_earned"] == 22
    assert (b["cash"], b["bonus"], b["points"]) == (3240, 0, 22)
    assert b["payment_id"]
    p = pos.get(f"/customers/{cid}/purchases").json
    assert p["stats"]["count"] == 1
    assert p["stats"]["total"] == 2260
    assert p["stats"]["average"] == 2260
    assert p["items"][0]["receipt_no"] == "T1-000123"
    report = ledger.verify_journal(box.config.db_path)
    assert report.ok, report


def test_checkout_with_cash_and_credit_and_change(pos, new_customer):
    cid = new_customer()
    pos.post(f"/customers/{cid}/topups", {"amount": 1000})
    r = checkout(
        pos,
        cid,
        "C-2",
        [line(1500)],
        tenders=[{"type": "cash", "amount": 500}, {"type": "credit", "amount": None}],
    )
    assert r.status_code == 201, r.json
    assert (r.json["from_cash"], r.json["other_tenders"], r.json["change"]) == (1000, 500, 0)


def test_checkout_not_covered_writes_nothing(pos, new_customer, box):
    cid = new_customer()
    pos.post(f"/customers/{cid}/topups", {"amount": 1000})
    before = journal_count(box)
    r = checkout(pos, cid, "C-3", [line(1500)], tenders=[{"type": "credit", "amount": None}])
    assert r.status_code == 409
    assert r.json["code"] == "insufficient_funds"
    assert r.json["remaining"] == 500
    assert journal_count(box) == before
    assert pos.get(f"/customers/{cid}/purchases").json["stats"]["count"] == 0


def test_points_redemption_after_discount_and_claw_back_on_refund(pos, manager, new_customer, box):
    cid = new_customer(discount_percent=10)
    manager.post(
        f"/customers/{cid}/corrections", {"account": "points", "amount": 300, "reason": "welcome"}
    )
    pos.post(f"/customers/{cid}/topups", {"amount": 20000})  # cash 20000, bonus 2000
    r = checkout(pos, cid, "P-1", [line(10000)], redeem_points=200)
    assert r.status_code == 201, r.json
    b = r.json
    # 10000 - 10 % = 9000, minus 200 points worth 1 each = 8800 paid; floor(8800/100) = 88 points
    assert (b["subtotal"], b["points_redeemed"], b["total"], b["points_earned"]) == (
        9000,
        200,
        8800,
        88,
    )
    assert b["points"] == 300 - 200 + 88
    # Refund 4400 of the 8800 paid: round(88 * 4400 / 8800) = 44 points taken back
    rf = pos.post(f"/payments/{b['payment_id']}/refunds", {"amount": 4400})
    assert rf.status_code == 201, rf.json
    assert rf.json["points_taken_back"] == 44
    assert rf.json["points"] == 188 - 44
    assert ledger.verify_journal(box.config.db_path).ok


def test_redeeming_more_points_than_held_is_refused(pos, new_customer, box):
    cid = new_customer()
    r = pos.post("/quotes", {"customer_id": cid, "lines": [line(1000)], "redeem_points": 1})
    assert r.status_code == 409
    assert r.json["code"] == "insufficient_points"


def test_blocked_points_program_earns_nothing(pos, new_customer):
    cid = new_customer(points_blocked=1)
    pos.post(f"/customers/{cid}/topups", {"amount": 5000})
    r = checkout(pos, cid, "B-1", [line(1000)])
    assert r.status_code == 201
    assert r.json["points_earned"] == 0
    assert r.json["points"] == 0


def test_receipt_number_is_checked_out_once(pos, new_customer):
    cid = new_customer()
    body = {
        "customer_id": cid,
        "receipt_no": "DUP-1",
        "lines": [line(100)],
        "tenders": [{"type": "cash", "amount": 100}],
    }
    assert pos.post("/checkouts", body).status_code == 201
    r = pos.post("/checkouts", body)  # a new Idempotency-Key: a second sale, same receipt
    assert r.status_code == 409
    assert r.json["errors"][0]["field"] == "receipt_no"


def test_checkout_needs_a_customer(pos):
    r = pos.post("/checkouts", {"receipt_no": "X", "lines": [line(100)]})
    assert r.status_code == 422
    assert r.json["errors"][0]["field"] == "customer_id"
