"""BACKOFFICE §8 at the till: the ``invoice`` tender, who may use it, the
credit limit with its numbers, and the invoice issued in the checkout."""

from __future__ import annotations

import pytest

BASKET = [{"name": "Kiste Wasser", "quantity": "1", "unit_price": 6000, "vat_rate_bp": 1900}]


def checkout(pos, cid, lines=BASKET, tenders=({"type": "invoice"},)):
    return pos.post("/checkouts", {"customer_id": str(cid), "lines": lines,
                                   "tenders": list(tenders)})  # fmt: skip


def test_a_customer_without_invoice_payment_is_refused_and_nothing_written(pos, house, box):
    cid = house(allow_invoice_payment=0)
    r = checkout(pos, cid)
    assert r.status_code == 409
    assert r.get_json()["code"] == "invoice_payment_not_allowed"
    q = pos.post("/quotes", {"customer_id": str(cid), "lines": BASKET,
                             "tenders": [{"type": "invoice"}]})  # fmt: skip
    assert q.get_json()["code"] == "invoice_payment_not_allowed"
    with box.db.reader() as c:
        assert c.execute("SELECT count(*) FROM invoices").fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM operations").fetchone()[0] == 0


@pytest.mark.parametrize("field", [{"blocked": 1}, {"status": "inactive"}])
def test_blocked_and_inactive_customers_cannot_pay_by_invoice(pos, house, field):
    r = checkout(pos, house(**field))
    assert r.status_code == 409
    assert r.get_json()["code"] in ("customer_blocked", "customer_inactive")


def test_the_credit_limit_counts_open_invoices_and_refuses_with_the_numbers(pos, house):
    cid = house(credit_limit=10000)
    first = checkout(pos, cid)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["invoice"] == 6000 and body["left_to_pay"] == 0
    assert body["invoice_number"].startswith("RE-")
    q = pos.post("/quotes", {"customer_id": str(cid), "lines": BASKET,
                             "tenders": [{"type": "invoice"}]}).get_json()  # fmt: skip
    assert (q["credit_limit"], q["invoices_open"], q["credit_available"]) == (10000, 6000, 4000)
    second = checkout(pos, cid)
    assert second.status_code == 409
    p = second.get_json()
    assert p["code"] == "credit_limit_exceeded"
    assert (p["credit_limit"], p["open"], p["available"]) == (10000, 6000, 4000)
    # exactly up to the limit is fine: 6000 + 4000 = 10000
    lines = [{**BASKET[0], "unit_price": 4000}]
    assert checkout(pos, cid, lines).status_code == 201
    assert checkout(pos, cid, [{**BASKET[0], "unit_price": 1}]).status_code == 409


def test_no_limit_means_no_limit(pos, house):
    cid = house()
    big = [{**BASKET[0], "unit_price": 10**9}]
    r = checkout(pos, cid, big)
    assert r.status_code == 201
    assert r.get_json()["credit_available"] is None


def test_cash_first_then_the_invoice_takes_the_rest_as_its_open_amount(pos, house, box):
    cid = house(credit_limit=5000)
    r = checkout(pos, cid, tenders=[{"type": "cash", "amount": 2000}, {"type": "invoice"}])
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["invoice"] == 4000
    with box.db.reader() as c:
        inv = c.execute("SELECT * FROM invoices WHERE id = ?", [body["invoice_id"]]).fetchone()
    assert (inv["gross"], inv["prepaid"], inv["principal"], inv["state"]) == (6000, 2000, 4000,
                                                                               "open")  # fmt: skip
    assert inv["operation_id"] == int(body["checkout_id"])


def test_an_invoice_tender_above_what_is_open_is_a_field_error(pos, house):
    r = checkout(pos, house(), tenders=[{"type": "invoice", "amount": 6001}])
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "tenders"


def test_points_redeemed_come_off_the_invoice_lines_so_its_gross_is_what_was_paid(pos, house, box):
    cid = house()
    box.db.write(
        lambda c: c.execute("INSERT INTO balances (customer_id, points) VALUES (?, 1000)", [cid])
    )
    lines = [
        {"name": "A", "quantity": "1", "unit_price": 5000, "vat_rate_bp": 1900},
        {"name": "B", "quantity": "1", "unit_price": 2000, "vat_rate_bp": 700},
    ]
    r = pos.post("/checkouts", {"customer_id": str(cid), "lines": lines, "redeem_points": 1000,
                                "tenders": [{"type": "invoice"}]})  # fmt: skip
    assert r.status_code == 201, r.get_json()
    with box.db.reader() as c:
        inv = c.execute("SELECT * FROM invoices").fetchone()
        totals = [x[0] for x in c.execute("SELECT total FROM invoice_lines ORDER BY position")]
    # SPEC §4's example: shares 714 / 286, rows gross 4286 and 1714, total 6000
    assert totals == [4286, 1714]
    assert (inv["gross"], inv["principal"]) == (6000, 6000)


def test_the_receipt_names_the_invoice_and_what_went_on_it(pos, house, box):
    cid = house()
    r = pos.post("/checkouts", {"customer_id": str(cid), "lines": BASKET, "print_receipt": True,
                                "tenders": [{"type": "cash", "amount": 1000},
                                            {"type": "invoice"}]})  # fmt: skip
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    with box.db.reader() as c:
        (document,) = c.execute(
            "SELECT document FROM print_jobs WHERE id = ?", [int(body["receipt_job_id"])]
        ).fetchone()
    assert f"Auf Rechnung {body['invoice_number']}" in document
    assert "50,00" in document  # 6000 - 1000 cash
