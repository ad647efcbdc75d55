"""A partial payment that can take nothing is refused (issue #16): with empty
balances ``allow_partial`` answers ``insufficient_funds`` and writes neither an
operation nor an entry, instead of a payment without entries."""

from __future__ import annotations

import pytest

from .conftest import journal_count, refused

pytestmark = pytest.mark.usefixtures("writes_in")  # see conftest.py


def operation_count(box) -> int:
    return box.db.reader().execute("SELECT count(*) FROM operations").fetchone()[0]


@pytest.mark.parametrize("amount", [1, 500])
def test_partial_payment_on_empty_balances_is_refused(pos, new_customer, box, amount):
    cid = new_customer()
    before = operation_count(box)
    body = {"amount": amount, "allow_partial": True}
    problem = refused(pos, box, f"/customers/{cid}/payments", body, "insufficient_funds")
    assert (problem["remaining"], problem["available"]) == (amount, 0)
    assert operation_count(box) == before


def test_partial_payment_with_something_to_take_still_settles(pos, new_customer, box):
    cid = new_customer()
    pos.post(f"/customers/{cid}/topups", {"amount": 100})
    r = pos.post(f"/customers/{cid}/payments", {"amount": 150, "allow_partial": True})
    assert r.status_code == 201, r.json
    assert (r.json["from_cash"], r.json["remaining"]) == (100, 50)
    # now empty: the next partial payment is refused
    refused(
        pos,
        box,
        f"/customers/{cid}/payments",
        {"amount": 50, "allow_partial": True},
        "insufficient_funds",
    )


def test_quote_with_a_credit_amount_on_empty_balances_reports_left_to_pay(pos, new_customer, box):
    """The quote's credit part uses the same settlement: on empty balances it
    takes nothing and the quote still answers, with everything left to pay."""
    cid = new_customer()
    before = journal_count(box)
    r = pos.post(
        "/quotes",
        {
            "customer_id": cid,
            "lines": [{"quantity": "1", "unit_price": 500, "vat_rate_bp": 1900}],
            "tenders": [{"type": "credit", "amount": 500}],
        },
    )
    assert r.status_code == 200, r.json
    assert (r.json["from_cash"], r.json["from_bonus"], r.json["left_to_pay"]) == (0, 0, 500)
    assert journal_count(box) == before
