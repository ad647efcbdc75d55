"""Cards (register, tap lookup, block) and customer groups."""

from __future__ import annotations

from datetime import date

import pytest

from .conftest import field_errors


def _years_ago(years: int, days: int = 0) -> str:
    today = date.today()
    born = (
        today.replace(year=today.year - years)
        if not (today.month == 2 and today.day == 29)
        else today.replace(year=today.year - years, day=28)
    )
    return date.fromordinal(born.toordinal() + days).isoformat()


def test_card_uid_is_normalised_and_unique(pos, mk):
    c = mk()
    r = pos.post(
        f"/customers/{c['id']}/cards", json={"uid": "04:a1:b2:c3:d4:e5:f6", "deposit_paid": True}
    )
    assert r.status_code == 201
    assert r.get_json()["uid"] == "04A1B2C3D4E5F6"
    assert r.get_json()["deposit_paid"] is True
    r = pos.post(f"/customers/{mk()['id']}/cards", json={"uid": "04 A1 B2 C3 D4 E5 F6"})
    assert r.status_code == 409 and "uid" in field_errors(r)
    for bad in ("xyz", "", "::"):
        r = pos.post(f"/customers/{c['id']}/cards", json={"uid": bad})
        assert r.status_code == 422 and "uid" in field_errors(r), bad
    assert pos.post("/customers/999/cards", json={"uid": "AA"}).status_code == 404
    card = pos.get(f"/customers/{c['id']}").get_json()["cards"]
    assert [(x["uid"], x["status"]) for x in card] == [("04A1B2C3D4E5F6", "active")]


def test_tap_lookup(pos, mk):
    g = pos.post("/groups", json={"name": "VIP", "default_discount_percent": 10}).get_json()
    c = mk(first_name="Lea", group_id=g["id"], date_of_birth=_years_ago(16))
    pos.post(f"/customers/{c['id']}/cards", json={"uid": "0411223344"})
    r = pos.get("/cards/04:11:22:33:44")
    assert r.status_code == 200
    tap = r.get_json()
    assert tap["customer"]["id"] == c["id"]
    assert tap["customer"]["number"] == c["customer_number"]
    assert tap["customer"]["effective_discount_percent"] == 10
    assert tap["customer"]["age_alert"] is True
    assert (tap["customer"]["blocked"], tap["customer"]["lock_text"]) == (False, None)
    assert (tap["customer"]["cash"], tap["customer"]["currency"]) == (0, "EUR")
    assert tap["card"]["status"] == "active"


@pytest.mark.parametrize(
    ("years", "days", "alert"), [(18, 0, False), (18, 1, True), (40, 0, False)]
)
def test_age_alert_boundary(pos, mk, years, days, alert):
    c = mk(date_of_birth=_years_ago(years, days))
    pos.post(f"/customers/{c['id']}/cards", json={"uid": "AB01"})
    assert pos.get("/cards/AB01").get_json()["customer"]["age_alert"] is alert


def test_tap_of_blocked_customer_shows_lock_text(pos, mk):
    c = mk(blocked=True, lock_text="Bitte Filialleitung rufen")
    pos.post(f"/customers/{c['id']}/cards", json={"uid": "CAFE01"})
    tap = pos.get("/cards/CAFE01").get_json()["customer"]
    assert (tap["blocked"], tap["lock_text"]) == (True, "Bitte Filialleitung rufen")


@pytest.mark.parametrize("reason", ["blocked", "lost"])
def test_blocked_or_lost_card_never_resolves(pos, mk, reason):
    c = mk()
    pos.post(f"/customers/{c['id']}/cards", json={"uid": "BEEF01"})
    r = pos.post("/cards/beef01/block", json={"reason": reason})
    assert r.status_code == 200 and r.get_json()["status"] == reason
    r = pos.get("/cards/BEEF01")
    assert r.status_code == 409
    body = r.get_json()
    assert body["code"] == "card_blocked" and "customer" not in body
    # and it cannot be handed to someone else
    assert pos.post(f"/customers/{mk()['id']}/cards", json={"uid": "BEEF01"}).status_code == 409
    hist = pos.get(f"/customers/{c['id']}/history").get_json()["items"]
    assert hist[0]["field"] == "cards" and hist[0]["new"]["status"] == reason


def test_card_errors(pos, manager, mk):
    assert pos.get("/cards/FFFF").status_code == 404
    assert pos.get("/cards/not-hex").status_code == 422
    assert pos.post("/cards/FFFF/block", json={"reason": "lost"}).status_code == 404
    r = pos.post("/cards/FFFF/block", json={"reason": "stolen"})
    assert r.status_code == 422 and "reason" in field_errors(r)
    c = mk()
    manager.delete(f"/customers/{c['id']}")
    r = pos.post(f"/customers/{c['id']}/cards", json={"uid": "AA"})
    assert r.status_code == 409 and r.get_json()["code"] == "customer_inactive"


def test_groups(pos, manager, mk):
    a = pos.post(
        "/groups",
        json={"name": "VIP", "default_discount_percent": 10, "color": "#C62828", "sort_order": 20},
    )
    assert a.status_code == 201
    b = pos.post("/groups", json={"name": "Stammkunden", "sort_order": 10}).get_json()
    assert pos.post("/groups", json={"name": "vip"}).status_code == 409
    listed = pos.get("/groups").get_json()
    assert [g["name"] for g in listed["items"]] == ["Stammkunden", "VIP"]
    assert listed["items"][1] == {
        "id": a.get_json()["id"], "name": "VIP", "default_discount_percent": 10,
        "color": "#C62828", "sort_order": 20,
    }  # fmt: skip
    gid = a.get_json()["id"]
    assert pos.patch(f"/groups/{gid}", json={"default_discount_percent": 15}).status_code == 403
    r = manager.patch(f"/groups/{gid}", json={"default_discount_percent": 15, "color": None})
    assert r.get_json()["default_discount_percent"] == 15 and r.get_json()["color"] is None
    assert manager.patch(f"/groups/{gid}", json={"name": "Stammkunden"}).status_code == 409
    c = mk(group_id=gid)
    assert pos.get(f"/customers/{c['id']}").get_json()["effective_discount_percent"] == 15
    assert pos.delete(f"/groups/{gid}").status_code == 403
    r = manager.delete(f"/groups/{gid}")
    assert r.status_code == 409 and r.get_json()["members"] == 1
    assert manager.delete(f"/groups/{b['id']}").status_code == 204
    assert manager.delete(f"/groups/{b['id']}").status_code == 404
    assert manager.patch("/groups/abc", json={}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({}, "name"),
        ({"name": "X", "default_discount_percent": 101}, "default_discount_percent"),
        ({"name": "X", "default_discount_percent": 2.5}, "default_discount_percent"),
        ({"name": "X", "color": "red"}, "color"),
        ({"name": "X", "sort_order": "1"}, "sort_order"),
    ],
)
def test_group_validation(pos, body, field):
    r = pos.post("/groups", json=body)
    assert r.status_code == 422
    assert field in field_errors(r)


def test_openapi_documents_the_customer_routes(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, method in [
        ("/api/v1/customers", "get"), ("/api/v1/customers", "post"),
        ("/api/v1/customers/{id}", "patch"), ("/api/v1/customers/{id}/merge", "post"),
        ("/api/v1/cards/{uid}", "get"), ("/api/v1/groups/{id}", "delete"),
        ("/api/v1/customers/purge-without-revenue", "post"),
    ]:  # fmt: skip
        assert method in doc["paths"][path], (path, method)
    create = doc["paths"]["/api/v1/customers"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    assert "allow_duplicate" in [p["name"] for p in create["parameters"]]
    assert "409" in create["responses"]
