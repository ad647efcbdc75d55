"""BACKOFFICE §8 payments: §367 BGB allocation (fees, then interest, then
principal), overpayment refused with the numbers, `paid` only when all three
are 0, credit from the stored value bonus first through the journal."""

from __future__ import annotations

import pytest

from edge.invoices.errors import PaymentExceedsOwed
from edge.invoices.payments import allocate

LINES = [{"name": "Zement", "quantity": "1", "unit_price": 10000, "vat_rate_bp": 1900}]


@pytest.mark.parametrize(
    "amount,expected",
    [
        (300, (300, 0, 0)),  # fees first
        (500, (500, 0, 0)),
        (620, (500, 120, 0)),  # then interest
        (700, (500, 150, 50)),  # then principal
        (10650, (500, 150, 10000)),  # everything
    ],
)
def test_section_367_allocation(amount, expected):
    assert allocate(amount, 500, 150, 10000) == expected


def test_more_than_owed_is_refused_with_the_numbers():
    with pytest.raises(PaymentExceedsOwed) as e:
        allocate(10651, 500, 150, 10000)
    assert (e.value.owed, e.value.amount) == (10650, 10651)


@pytest.fixture
def invoice(manager, house, box):
    cid = house()
    iid = manager.post("/invoices", {"customer_id": str(cid), "lines": LINES}).get_json()["id"]
    manager.post(f"/invoices/{iid}/issue")
    # as a level-2 reminder would have left it: 500 fee, 150 interest
    box.db.write(
        lambda c: c.execute(
            "UPDATE invoices SET fees = 500, interest = 150, dunning_level = 2 WHERE id = ?", [iid]
        )
    )
    return cid, iid


def pay(manager, iid, amount, method="transfer"):
    return manager.post(f"/invoices/{iid}/payments", {"method": method, "amount": amount})


def test_a_principal_sized_payment_leaves_the_principal_partly_open(manager, invoice):
    _, iid = invoice
    r = pay(manager, iid, 10000)  # the customer pays "the invoice amount"
    assert r.status_code == 201, r.get_json()
    p, inv = r.get_json()["payment"], r.get_json()["invoice"]
    assert (p["to_fees"], p["to_interest"], p["to_principal"]) == (500, 150, 9350)
    assert inv["state"] == "partly_paid"
    assert (inv["open"], inv["owed"]) == (650, 650)  # fees and interest are never lost
    r = pay(manager, iid, 651)
    assert r.status_code == 409
    assert (r.get_json()["code"], r.get_json()["owed"]) == ("payment_exceeds_owed", 650)
    r = pay(manager, iid, 650, "cash")
    inv = r.get_json()["invoice"]
    assert (inv["state"], inv["owed"]) == ("paid", 0)
    assert (inv["fees_paid"], inv["interest_paid"], inv["principal_paid"]) == (500, 150, 10000)
    assert pay(manager, iid, 1).status_code == 409  # paid: nothing to pay
    listed = manager.get(f"/invoices/{iid}/payments").get_json()["items"]
    assert [x["amount"] for x in listed] == [10000, 650]


def test_credit_pays_from_stored_value_bonus_first_through_the_journal(manager, invoice, box):
    cid, iid = invoice
    box.db.write(
        lambda c: c.execute(
            "INSERT INTO balances (customer_id, cash, bonus) VALUES (?, 1000, 300)", [cid]
        )
    )
    r = pay(manager, iid, 800, "credit")
    assert r.status_code == 201, r.get_json()
    p = r.get_json()["payment"]
    assert p["operation_id"] is not None
    rec = manager.get(f"/customers/{cid}").get_json()
    assert (rec["bonus"], rec["cash"]) == (0, 500)  # 300 from bonus, 500 from cash
    with box.db.reader() as c:
        kinds = c.execute(
            "SELECT type, amount FROM journal WHERE operation_id = ? ORDER BY seq",
            [int(p["operation_id"])],
        ).fetchall()
    assert sorted(tuple(k) for k in kinds) == [(1, -500), (4, -300)]
    r = pay(manager, iid, 600, "credit")  # 500 cash left
    assert r.status_code == 409 and r.get_json()["code"] == "insufficient_funds"
    assert manager.get(f"/invoices/{iid}").get_json()["owed"] == 10650 - 800


def test_an_invoice_with_payments_cannot_be_cancelled(manager, invoice):
    _, iid = invoice
    pay(manager, iid, 100)
    r = manager.post(f"/invoices/{iid}/cancel", {"reason": "x"})
    assert r.status_code == 409


def test_a_payment_is_idempotent_per_key(manager, invoice):
    _, iid = invoice
    body = {"method": "cash", "amount": 100}
    a = manager.post(f"/invoices/{iid}/payments", body, idem="pay-1")
    b = manager.post(f"/invoices/{iid}/payments", body, idem="pay-1")
    assert a.get_json() == b.get_json()
    assert len(manager.get(f"/invoices/{iid}/payments").get_json()["items"]) == 1


def test_a_draft_takes_no_payment(manager, house):
    cid = house()
    iid = manager.post("/invoices", {"customer_id": str(cid), "lines": LINES}).get_json()["id"]
    assert pay(manager, iid, 100).status_code == 409
