"""SPEC §2–§3 through the API, with the spec's numbers."""

from __future__ import annotations

import pytest

from edge import ledger

from .conftest import journal_count, refused

pytestmark = pytest.mark.usefixtures("writes_in")  # see conftest.py


def balances(api, cid):
    r = api.get(f"/customers/{cid}/transactions")
    assert r.status_code == 200, r.json
    items = r.json["items"]
    credit = next((e for e in items if e["account"] != "points"), None)
    points = next((e for e in items if e["account"] == "points"), None)
    return (
        credit["cash_after"] if credit else 0,
        credit["bonus_after"] if credit else 0,
        points["points_after"] if points else 0,
    )


def verify(box):
    report = ledger.verify_journal(box.config.db_path)
    assert report.ok, report


# ------------------------------------------------------------------ top-up --


def test_topup_with_tier_bonus(pos, new_customer, box):
    cid = new_customer()
    r = pos.post(f"/customers/{cid}/topups", {"amount": 10000, "receipt_no": "T-1"})
    assert r.status_code == 201, r.json
    body = r.json
    assert (body["cash"], body["bonus"], body["bonus_granted"]) == (10000, 1000, 1000)
    assert body["currency"] == "EUR"
    assert [(e["type"], e["account"], e["amount"]) for e in body["entries"]] == [
        (0, "cash", 10000),
        (3, "bonus", 1000),
    ]
    assert body["entries"][1]["cash_after"] == 10000 and body["entries"][1]["bonus_after"] == 1000
    assert body["entries"][0]["type_name"] == "topup"
    verify(box)


def test_topup_below_first_bonus_tier_writes_no_bonus_entry(pos, new_customer):
    cid = new_customer()
    r = pos.post(f"/customers/{cid}/topups", {"amount": 4999})
    assert r.status_code == 201
    assert r.json["bonus_granted"] == 0
    assert [e["type"] for e in r.json["entries"]] == [0]


def test_topup_bonus_rounds_half_up(pos, new_customer):
    cid = new_customer()
    # 10 % of 5005 = 500.5 -> 501
    r = pos.post(f"/customers/{cid}/topups", {"amount": 5005})
    assert r.json["bonus_granted"] == 501


@pytest.mark.parametrize(
    ("amount", "status", "code"),
    [
        (50000, 201, None),
        (50001, 422, "limit_exceeded"),
        (0, 422, "validation_error"),
        (-5, 422, "validation_error"),
        (10**12 + 1, 422, "validation_error"),
        (12.5, 422, "validation_error"),
        ("100", 422, "validation_error"),
    ],
)
def test_topup_limits(pos, new_customer, box, amount, status, code):
    cid = new_customer()
    before = journal_count(box)
    r = pos.post(f"/customers/{cid}/topups", {"amount": amount})
    assert r.status_code == status, r.json
    if code:
        assert r.content_type == "application/problem+json"
        assert r.json["code"] == code
        assert journal_count(box) == before
        if code == "validation_error":
            assert r.json["errors"][0]["field"] == "amount"
        else:
            assert r.json["maximum"] == 50000


@pytest.mark.parametrize("config_overrides", [{"ledger.max_balance": 12000}])
def test_max_balance_refuses_topup(pos, new_customer, box):
    cid = new_customer()
    assert pos.post(f"/customers/{cid}/topups", {"amount": 10000}).status_code == 201
    # 11000 + 1000 = 12000: at the limit is fine
    assert pos.post(f"/customers/{cid}/topups", {"amount": 1000}).status_code == 201
    r = pos.post(f"/customers/{cid}/topups", {"amount": 1})
    assert r.status_code == 422
    assert r.json["code"] == "limit_exceeded"
    assert r.json["maximum"] == 12000
    assert balances(pos, cid)[:2] == (11000, 1000)


# ----------------------------------------------------------------- payment --


def funded(pos, new_customer, amount=10000):
    cid = new_customer()
    assert pos.post(f"/customers/{cid}/topups", {"amount": amount}).status_code == 201
    return cid


def test_payment_takes_bonus_first(pos, new_customer, box):
    cid = funded(pos, new_customer)  # cash 10000, bonus 1000
    r = pos.post(f"/customers/{cid}/payments", {"amount": 1500, "receipt_no": "R-1"})
    assert r.status_code == 201, r.json
    b = r.json
    assert (b["from_bonus"], b["from_cash"], b["remaining"]) == (1000, 500, 0)
    assert (b["cash"], b["bonus"]) == (9500, 0)
    assert [(e["type"], e["amount"]) for e in b["entries"]] == [(4, -1000), (1, -500)]
    verify(box)


def test_payment_from_bonus_only_writes_one_entry(pos, new_customer):
    cid = funded(pos, new_customer)
    r = pos.post(f"/customers/{cid}/payments", {"amount": 1000})
    assert [(e["type"], e["amount"]) for e in r.json["entries"]] == [(4, -1000)]


def test_insufficient_funds_writes_nothing(pos, new_customer, box):
    cid = funded(pos, new_customer)
    problem = refused(
        pos, box, f"/customers/{cid}/payments", {"amount": 11001}, "insufficient_funds"
    )
    assert problem["remaining"] == 1
    # exactly everything is fine
    assert pos.post(f"/customers/{cid}/payments", {"amount": 11000}).status_code == 201
    assert balances(pos, cid)[:2] == (0, 0)


def test_partial_payment_takes_all_and_reports_remaining(pos, new_customer):
    cid = funded(pos, new_customer)
    r = pos.post(f"/customers/{cid}/payments", {"amount": 12000, "allow_partial": True})
    assert r.status_code == 201
    assert (r.json["from_bonus"], r.json["from_cash"], r.json["remaining"]) == (1000, 10000, 1000)


# ------------------------------------------------------------------ refund --


def test_refund_restores_cash_first_then_bonus(pos, new_customer, box):
    cid = funded(pos, new_customer)
    pay = pos.post(f"/customers/{cid}/payments", {"amount": 1500}).json  # bonus 1000, cash 500
    pid = pay["payment_id"]
    r1 = pos.post(f"/payments/{pid}/refunds", {"amount": 600})
    assert r1.status_code == 201, r1.json
    assert (r1.json["to_cash"], r1.json["to_bonus"]) == (500, 100)
    assert [(e["type"], e["amount"]) for e in r1.json["entries"]] == [(1, 500), (4, 100)]
    assert all(e["reverses"] is not None for e in r1.json["entries"])
    # 900 left to refund: 1000 is too much, nothing written
    problem = refused(
        pos, box, f"/payments/{pid}/refunds", {"amount": 1000}, "refund_exceeds_payment"
    )
    assert problem["refundable"] == 900
    r3 = pos.post(f"/payments/{pid}/refunds", {"amount": 900})
    assert (r3.json["to_cash"], r3.json["to_bonus"]) == (0, 900)
    # a full refund restored exactly the original split
    assert (r3.json["cash"], r3.json["bonus"]) == (10000, 1000)
    assert pos.post(f"/payments/{pid}/refunds", {"amount": 1}).status_code == 409
    verify(box)


def test_refund_of_unknown_payment_is_404(pos):
    r = pos.post("/payments/999/refunds", {"amount": 1})
    assert r.status_code == 404
    assert r.json["code"] == "not_found"


# ------------------------------------------------------ void, payout, correction --


def test_void_topup_once(manager, new_customer, box):
    cid = new_customer()
    top = manager.post(f"/customers/{cid}/topups", {"amount": 5000}).json  # + bonus 500
    r = manager.post(f"/topups/{top['operation_id']}/void", {"reason": "wrong customer"})
    assert r.status_code == 201, r.json
    assert [(e["type"], e["amount"]) for e in r.json["entries"]] == [(0, -5000), (3, -500)]
    assert (r.json["cash"], r.json["bonus"]) == (0, 0)
    again = manager.post(f"/topups/{top['operation_id']}/void", {})
    assert again.status_code == 409
    verify(box)


def test_void_refused_when_balance_no_longer_covers(manager, new_customer):
    cid = new_customer()
    top = manager.post(f"/customers/{cid}/topups", {"amount": 5000}).json
    manager.post(f"/customers/{cid}/payments", {"amount": 600})  # bonus 500 + cash 100
    r = manager.post(f"/topups/{top['operation_id']}/void", {})
    assert r.status_code == 409
    assert r.json["code"] == "insufficient_funds"


def test_void_needs_manager(pos, new_customer):
    cid = new_customer()
    top = pos.post(f"/customers/{cid}/topups", {"amount": 100}).json
    assert pos.post(f"/topups/{top['operation_id']}/void", {}).status_code == 403


def test_payout_cash_only_and_manager_only(pos, manager, new_customer, box):
    cid = funded(pos, new_customer)  # cash 10000, bonus 1000
    assert pos.post(f"/customers/{cid}/payouts", {"amount": 100}).status_code == 403
    too_much = manager.post(f"/customers/{cid}/payouts", {"amount": 10001})
    assert too_much.status_code == 409
    assert too_much.json["code"] == "insufficient_funds"
    r = manager.post(f"/customers/{cid}/payouts", {"amount": 10000})
    assert r.status_code == 201
    assert [(e["type"], e["amount"]) for e in r.json["entries"]] == [(5, -10000)]
    assert (r.json["cash"], r.json["bonus"]) == (0, 1000)  # bonus is never paid out
    verify(box)


def test_corrections(manager, new_customer, box):
    cid = new_customer()
    ok = manager.post(
        f"/customers/{cid}/corrections", {"account": "bonus", "amount": 250, "reason": "goodwill"}
    )
    assert ok.status_code == 201, ok.json
    assert [(e["type"], e["account"], e["amount"]) for e in ok.json["entries"]] == [
        (2, "bonus", 250)
    ]
    assert ok.json["entries"][0]["reason"] == "goodwill"
    neg = manager.post(
        f"/customers/{cid}/corrections", {"account": "bonus", "amount": -251, "reason": "x"}
    )
    assert neg.status_code == 409
    blank = manager.post(
        f"/customers/{cid}/corrections", {"account": "cash", "amount": 5, "reason": "  "}
    )
    assert blank.status_code == 422
    assert blank.json["errors"][0]["field"] == "reason"
    pts = manager.post(
        f"/customers/{cid}/corrections", {"account": "points", "amount": 40, "reason": "promo"}
    )
    assert pts.json["entries"][0]["points_after"] == 40
    assert pts.json["entries"][0]["type_name"] == "correction"
    verify(box)


# ----------------------------------------------------- blocked and inactive --


def test_blocked_customer_is_refused_with_lock_text(pos, new_customer, box):
    cid = new_customer(blocked=1, lock_text="Bitte an der Kasse melden")
    r = pos.post(f"/customers/{cid}/topups", {"amount": 100})
    assert r.status_code == 409
    assert r.json["code"] == "customer_blocked"
    assert r.json["lock_text"] == "Bitte an der Kasse melden"
    assert journal_count(box) == 0


def test_inactive_customer_is_refused(pos, new_customer):
    cid = new_customer(status="inactive")
    r = pos.post(f"/customers/{cid}/payments", {"amount": 100})
    assert r.status_code == 409
    assert r.json["code"] == "customer_inactive"


def test_unknown_customer_is_404(pos):
    assert pos.post("/customers/424242/topups", {"amount": 100}).status_code == 404
    assert pos.post("/customers/abc/topups", {"amount": 100}).status_code == 404


# ------------------------------------------------------------- idempotency --


def test_same_key_same_body_replays_first_answer(pos, new_customer, box):
    cid = new_customer()
    first = pos.post(f"/customers/{cid}/topups", {"amount": 700}, idem="key-1")
    again = pos.post(f"/customers/{cid}/topups", {"amount": 700}, idem="key-1")
    assert again.status_code == first.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert journal_count(box) == 1


def test_same_key_different_body_conflicts(pos, new_customer, box):
    cid = new_customer()
    pos.post(f"/customers/{cid}/topups", {"amount": 700}, idem="key-2")
    r = pos.post(f"/customers/{cid}/topups", {"amount": 800}, idem="key-2")
    assert r.status_code == 422
    assert r.json["code"] == "idempotency_conflict"
    assert journal_count(box) == 1


def test_refusal_is_replayed_too(pos, new_customer):
    cid = new_customer()
    first = pos.post(f"/customers/{cid}/payments", {"amount": 100}, idem="key-3")
    assert first.status_code == 409
    pos.post(f"/customers/{cid}/topups", {"amount": 1000})
    again = pos.post(f"/customers/{cid}/payments", {"amount": 100}, idem="key-3")
    assert again.status_code == 409
    assert again.get_data() == first.get_data()


def test_missing_key_on_money_route_is_400(pos, new_customer, box):
    cid = new_customer()
    r = pos.post(f"/customers/{cid}/topups", {"amount": 100}, idem=None)
    assert r.status_code == 400
    assert r.json["errors"][0]["field"] == "Idempotency-Key"
    assert journal_count(box) == 0


def test_overlong_key_is_400(pos, new_customer):
    cid = new_customer()
    r = pos.post(f"/customers/{cid}/topups", {"amount": 100}, idem="k" * 256)
    assert r.status_code == 400


def test_keys_belong_to_their_terminal(pos, manager, new_customer, box):
    cid = new_customer()
    pos.post(f"/customers/{cid}/topups", {"amount": 100}, idem="shared")
    r = manager.post(f"/customers/{cid}/topups", {"amount": 100}, idem="shared")
    assert r.status_code == 201
    assert journal_count(box) == 2


def test_openapi_declares_idempotency_key_on_money_routes(client):
    doc = client.get("/api/v1/openapi.json").json
    for path in (
        "/api/v1/customers/{customer_id}/topups",
        "/api/v1/customers/{customer_id}/payments",
        "/api/v1/payments/{payment_id}/refunds",
        "/api/v1/customers/{customer_id}/payouts",
        "/api/v1/customers/{customer_id}/corrections",
        "/api/v1/checkouts",
    ):
        params = doc["paths"][path]["post"]["parameters"]
        key = next(p for p in params if p["name"] == "Idempotency-Key")
        assert key["in"] == "header" and key["required"] is True


def test_transactions_list_newest_first_with_pagination(pos, new_customer):
    cid = funded(pos, new_customer)  # 2 entries
    pos.post(f"/customers/{cid}/payments", {"amount": 1500, "receipt_no": "R-9"})  # 2 entries
    page1 = pos.get(f"/customers/{cid}/transactions?limit=3").json
    assert page1["total"] == 4
    assert [e["type"] for e in page1["items"]] == [1, 4, 3]
    assert page1["items"][0]["receipt_no"] == "R-9"
    page2 = pos.get(f"/customers/{cid}/transactions?limit=3&cursor={page1['next']}").json
    assert [e["type"] for e in page2["items"]] == [0]
    assert page2["next"] is None
