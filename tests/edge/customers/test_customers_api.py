"""Create/read/update/deactivate, idempotency, history, duplicates, merge, purge."""

from __future__ import annotations

from typing import Any

import pytest

from edge.customers import load_for_money
from edge.errors import CustomerBlocked

from .conftest import field_errors


def test_record_shape(pos, mk):
    c = mk(first_name="Thomas", last_name="Müller")
    for key in (
        "id", "customer_number", "type", "display_name", "group_id", "discount_percent",
        "vat_id", "iban", "third_party_memo", "blocked", "lock_text",
        "effective_discount_percent", "cash", "bonus", "points", "currency", "cards",
        "last_visit", "created_at", "updated_at", "status", "group", "age_alert",
    ):  # fmt: skip
        assert key in c, key
    assert isinstance(c["id"], str)
    assert c["display_name"] == "Thomas Müller"
    assert (c["cash"], c["bonus"], c["points"], c["currency"]) == (0, 0, 0, "EUR")
    assert c["status"] == "active"
    assert c["created_by"] == "terminal:1 till-1"


def test_customer_numbers_come_from_the_settable_next_number(pos, mk, box):
    assert mk()["customer_number"] == 10000
    assert mk()["customer_number"] == 10001
    mk(customer_number=10002)  # set by hand: the counter skips it
    assert mk()["customer_number"] == 10003
    from edge.customers.service import set_next_number

    box.db.write(lambda conn: set_next_number(conn, 50000))
    assert mk()["customer_number"] == 50000


def test_idempotent_create(pos):
    body = {"last_name": "Doppelklick", "email": "dk@example.com"}
    a = pos.post("/customers", json=body, idem="save-1")
    b = pos.post("/customers", json=body, idem="save-1")
    assert a.status_code == b.status_code == 201
    assert a.get_data() == b.get_data()
    assert b.headers.get("Idempotent-Replayed") == "true"
    assert pos.get("/customers").get_json()["total"] == 1
    c = pos.post("/customers", json={**body, "first_name": "X"}, idem="save-1")
    assert c.status_code == 422
    assert c.get_json()["code"] == "idempotency_conflict"
    assert pos.get("/customers").get_json()["total"] == 1


def test_get_unknown(pos):
    for cid in ("999", "abc", "-1"):
        r = pos.get(f"/customers/{cid}")
        assert r.status_code == 404
        assert r.get_json()["code"] == "not_found"


def test_patch_keeps_history(pos, manager, mk):
    c = mk(first_name="Anna", email="anna@example.com")
    r = pos.patch(f"/customers/{c['id']}", json={"first_name": "Anne", "email": None})
    assert r.status_code == 200
    assert r.get_json()["email"] is None
    assert r.get_json()["updated_by"] == "terminal:1 till-1"
    manager.patch(f"/customers/{c['id']}", json={"discount_percent": 10})
    pos.patch(f"/customers/{c['id']}", json={"discount_percent": 10})  # no change, no entry
    items = pos.get(f"/customers/{c['id']}/history").get_json()["items"]
    assert [(h["field"], h["old"], h["new"], h["actor"]) for h in items] == [
        ("discount_percent", None, 10, "terminal:2 backoffice"),
        ("email", "anna@example.com", None, "terminal:1 till-1"),
        ("first_name", "Anna", "Anne", "terminal:1 till-1"),
        ("created", None, 10000, "terminal:1 till-1"),
    ]
    assert all(h["at"].endswith("Z") for h in items)
    page = pos.get(f"/customers/{c['id']}/history?limit=3").get_json()
    rest = pos.get(f"/customers/{c['id']}/history?limit=3&cursor={page['next']}").get_json()
    assert [h["id"] for h in page["items"] + rest["items"]] == [h["id"] for h in items]
    assert rest["next"] is None


def test_patch_status_is_not_writable(pos, mk):
    c = mk()
    r = pos.patch(f"/customers/{c['id']}", json={"status": "inactive"})
    assert r.status_code == 422
    assert field_errors(r) == {"status": "unknown field"}


def test_deactivate_and_reactivate_need_manager(pos, manager, mk):
    c = mk()
    assert pos.delete(f"/customers/{c['id']}").status_code == 403
    r = manager.delete(f"/customers/{c['id']}")
    assert r.status_code == 200
    assert r.get_json()["status"] == "inactive"
    assert pos.get(f"/customers/{c['id']}").get_json()["status"] == "inactive"
    assert pos.post(f"/customers/{c['id']}/reactivate").status_code == 403
    r = manager.post(f"/customers/{c['id']}/reactivate")
    assert r.get_json()["status"] == "active"
    fields = [h["field"] for h in pos.get(f"/customers/{c['id']}/history").get_json()["items"]]
    assert fields[:2] == ["status", "status"]


def test_blocked_customer_refuses_money(pos, mk, box):
    c = mk(blocked=True, lock_text="Hausverbot seit 2024")
    money = load_for_money(box.db.reader(), int(c["id"]), box.config)
    with pytest.raises(CustomerBlocked) as e:
        money.require_transactable()
    assert e.value.code == "customer_blocked"
    assert e.value.numbers["lock_text"] == "Hausverbot seit 2024"


def test_effective_discount_cascade(pos, manager, mk, box):
    g = pos.post("/groups", json={"name": "VIP", "default_discount_percent": 10}).get_json()
    assert mk(group_id=g["id"])["effective_discount_percent"] == 10
    assert mk(group_id=g["id"], discount_percent=0)["effective_discount_percent"] == 0
    assert mk(group_id=g["id"], discount_percent=5)["effective_discount_percent"] == 5
    assert mk()["effective_discount_percent"] == 0
    c = mk(group_id=g["id"], type="business", company_name="Foo SARL", vat_id="FR40303265045")
    assert c["group"]["name"] == "VIP"
    m = load_for_money(box.db.reader(), int(c["id"]), box.config)
    assert m.reverse_charge and m.effective_discount_percent == 10 and m.group_id == int(g["id"])
    assert not mk(type="business", company_name="X", vat_id="DE136695976")["reverse_charge"]


# --- duplicates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("existing", "new", "why"),
    [
        ({"email": "a@example.com"}, {"email": "A@example.com"}, "email"),
        ({"phone": "+49 89 1234567"}, {"mobile": "089 1234567"}, "phone"),
        (
            {"first_name": "Anna", "date_of_birth": "1990-01-02"},
            {"first_name": "anna", "date_of_birth": "1990-01-02"},
            "name_and_date_of_birth",
        ),
    ],
)
def test_duplicates_are_refused_with_candidates(pos, existing, new, why):
    a = pos.post("/customers", json={"last_name": "Muster", **existing}).get_json()
    r = pos.post("/customers", json={"last_name": "Muster", **new})
    assert r.status_code == 409
    body = r.get_json()
    assert body["code"] == "duplicate_customer"
    assert [(x["id"], x["matched"]) for x in body["candidates"]] == [(a["id"], [why])]
    r = pos.post("/customers?allow_duplicate=true", json={"last_name": "Muster", **new})
    assert r.status_code == 201


def test_inactive_customers_are_not_duplicates(pos, manager, mk):
    c = mk(email="old@example.com")
    manager.delete(f"/customers/{c['id']}")
    assert (
        pos.post("/customers", json={"last_name": "N", "email": "old@example.com"}).status_code
        == 201
    )


def test_different_dates_of_birth_are_not_duplicates(pos, mk):
    mk(first_name="Anna", date_of_birth="1990-01-02")
    r = pos.post(
        "/customers",
        json={"last_name": "Muster", "first_name": "Anna", "date_of_birth": "1991-01-02"},
    )
    assert r.status_code == 201


# --- merge -----------------------------------------------------------------------


def _add_operation(box, customer_id: int, *, balance: tuple[int, int, int] | None = None,
                   purchase: bool = False, journal: bool = False) -> None:  # fmt: skip
    def txn(conn: Any) -> None:
        if balance is not None:
            conn.execute(
                "INSERT OR REPLACE INTO balances (customer_id, cash, bonus, points)"
                " VALUES (?, ?, ?, ?)",
                [customer_id, *balance],
            )
        if purchase or journal:
            op = conn.execute(
                "INSERT INTO operations (kind, customer_id, amount, actor, created_at)"
                " VALUES ('checkout', ?, 100, 'test', '2026-01-01T00:00:00Z')",
                [customer_id],
            ).lastrowid
            if purchase:
                conn.execute(
                    "INSERT INTO purchases (customer_id, operation_id, total, created_at)"
                    " VALUES (?, ?, 100, '2026-01-01T00:00:00Z')",
                    [customer_id, op],
                )
            if journal:
                conn.execute(
                    "INSERT INTO journal (customer_id, operation_id, type, account, amount,"
                    " actor, created_at, hash) VALUES (?, ?, 0, 'cash', 100, 'test',"
                    " '2026-01-01T00:00:00Z', x'00')",
                    [customer_id, op],
                )

    box.db.write(txn)


def test_merge_moves_cards_history_purchases(pos, manager, mk, box):
    target = mk(first_name="Thomas", email="t@example.com")
    source = mk(first_name="Tom", phone="089 1234567", city="München")
    pos.post(f"/customers/{source['id']}/cards", json={"uid": "04A1B2C3D4E5F6"})
    _add_operation(box, int(source["id"]), purchase=True)
    assert (
        pos.post(f"/customers/{target['id']}/merge", json={"source_id": source["id"]}).status_code
        == 403
    )
    r = manager.post(f"/customers/{target['id']}/merge", json={"source_id": source["id"]})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["moved"] == {
        "cards": 1,
        "history": 2,
        "purchases": 1,
        "cash": 0,
        "bonus": 0,
        "points": 0,
        "operation_id": None,
    }
    assert set(body["filled_fields"]) == {"phone", "city"}
    merged = body["customer"]
    assert merged["phone"] == "+49891234567" and merged["first_name"] == "Thomas"
    assert [c["uid"] for c in merged["cards"]] == ["04A1B2C3D4E5F6"]
    assert pos.get("/cards/04A1B2C3D4E5F6").get_json()["customer"]["id"] == target["id"]
    src = pos.get(f"/customers/{source['id']}").get_json()
    assert (src["status"], src["merged_into"]) == ("inactive", target["id"])
    hist = [h["field"] for h in pos.get(f"/customers/{target['id']}/history").get_json()["items"]]
    assert "merged_from" in hist and "cards" in hist
    # a merged record cannot come back, nor be merged twice
    assert manager.post(f"/customers/{source['id']}/reactivate").status_code == 409
    r = manager.post(f"/customers/{target['id']}/merge", json={"source_id": source["id"]})
    assert r.status_code == 409


def test_merge_moves_balances_through_the_journal(pos, manager, mk, box):
    from edge import ledger

    target, source = mk(), mk()
    bookings = [
        (pos, source, "topups", {"amount": 1500}),
        (manager, source, "corrections", {"account": "points", "amount": 5, "reason": "promo"}),
        (pos, target, "topups", {"amount": 100}),
    ]
    for n, (client, customer, what, body) in enumerate(bookings, 1):
        r = client.post(
            f"/customers/{customer['id']}/{what}", json=body, headers={"Idempotency-Key": f"m-{n}"}
        )
        assert r.status_code == 201, r.get_json()
    r = manager.post(f"/customers/{target['id']}/merge", json={"source_id": source["id"]})
    assert r.status_code == 200, r.get_json()
    moved = r.get_json()["moved"]
    assert (moved["cash"], moved["bonus"], moved["points"]) == (1500, 0, 5)
    t = pos.get(f"/customers/{target['id']}").get_json()
    s = pos.get(f"/customers/{source['id']}").get_json()
    assert (t["cash"], t["bonus"], t["points"]) == (1600, 0, 5)
    assert (s["cash"], s["bonus"], s["points"]) == (0, 0, 0)
    items = pos.get(f"/customers/{target['id']}/transactions").get_json()["items"]
    assert [(e["type"], e["account"], e["amount"]) for e in items[:2]] == [
        (2, "points", 5),
        (2, "cash", 1500),
    ]
    assert items[0]["reason"].startswith("merged from")
    assert ledger.verify_journal(box.config.db_path).ok


def test_merge_errors(manager, mk):
    a = mk()
    r = manager.post(f"/customers/{a['id']}/merge", json={"source_id": a["id"]})
    assert r.status_code == 422 and "source_id" in field_errors(r)
    r = manager.post(f"/customers/{a['id']}/merge", json={"source_id": "777"})
    assert r.status_code == 404 and "source_id" in field_errors(r)
    r = manager.post(f"/customers/{a['id']}/merge", json={})
    assert r.status_code == 422 and "source_id" in field_errors(r)


# --- permanent deletion ----------------------------------------------------------


def test_purge_without_revenue(pos, manager, mk, box):
    keep_journal, keep_purchase, keep_balance, gone, gone2 = (mk() for _ in range(5))
    _add_operation(box, int(keep_journal["id"]), journal=True)
    _add_operation(box, int(keep_purchase["id"]), purchase=True)
    _add_operation(box, int(keep_balance["id"]), balance=(1, 0, 0))
    _add_operation(box, int(gone2["id"]), balance=(0, 0, 0))
    pos.post(f"/customers/{gone['id']}/cards", json={"uid": "AABBCCDD"})
    assert pos.post("/customers/purge-without-revenue", json={}).status_code == 403
    r = manager.post("/customers/purge-without-revenue", json={})
    assert r.get_json() == {"dry_run": True, "count": 2, "deleted": 0}
    r = manager.post("/customers/purge-without-revenue", json={"dry_run": False})
    assert r.status_code == 422 and "expected_count" in field_errors(r)
    r = manager.post(
        "/customers/purge-without-revenue", json={"dry_run": False, "expected_count": 3}
    )
    assert r.status_code == 409
    r = manager.post(
        "/customers/purge-without-revenue", json={"dry_run": False, "expected_count": 2}
    )
    assert r.get_json() == {"dry_run": False, "count": 2, "deleted": 2}
    assert pos.get(f"/customers/{gone['id']}").status_code == 404
    assert pos.get("/cards/AABBCCDD").status_code == 404
    for kept in (keep_journal, keep_purchase, keep_balance):
        assert pos.get(f"/customers/{kept['id']}").status_code == 200
    assert pos.get("/customers").get_json()["total"] == 3


def test_purge_only_inactive(manager, mk):
    a, _b = mk(), mk()
    manager.delete(f"/customers/{a['id']}")
    r = manager.post("/customers/purge-without-revenue", json={"only_inactive": True})
    assert r.get_json()["count"] == 1


HUGE = "9" * 20


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", f"/customers/{HUGE}", None),
        ("get", f"/customers?group={HUGE}", None),
        ("get", f"/customers/1/history?cursor={HUGE}", None),
        ("get", "/customers?cursor=WzAsbnVsbCw5OTk5OTk5OTk5OTk5OTk5OTk5OTldXQ", None),
        ("get", "/customers?cursor=W10", None),
        ("get", "/customers?q=%00%ff", None),
        ("get", "/cards/" + "A" * 300, None),
        ("post", "/customers", {"last_name": "X", "group_id": HUGE}),
        ("post", "/customers", [1, 2]),
        ("post", "/customers", {"last_name": "X", "latitude": "NaN"}),
        ("post", "/customers", {"last_name": "X", "customer_number": 10**19}),
        ("patch", "/customers/1", {"customer_number": None}),
        ("patch", "/customers/1", {"type": None}),
        ("patch", "/customers/1", {"blocked": None}),
        ("post", "/customers/1/merge", {"source_id": HUGE}),
        ("post", "/customers/1/cards", {"uid": "04" * 40}),
    ],
)
def test_bad_input_never_yields_a_500(pos, manager, mk, method, path, body):
    mk()
    client = manager if "merge" in path else pos
    r = getattr(client, method)(path, **({} if body is None else {"json": body}))
    assert r.status_code < 500, (r.status_code, r.get_data(as_text=True)[:300])
    if r.status_code >= 400:
        assert r.mimetype == "application/problem+json"
