"""The subscription routes: CRUD with field-level refusals, scopes,
pause/resume/cancel, and the billing run — idempotent by key and by nature."""

from __future__ import annotations

from datetime import timedelta

from edge.invoices.book import box_date
from edge.platform.clock import now_iso


def new(manager, cid, **more):  # type: ignore[no-untyped-def]
    body = {"customer_id": str(cid), "description": "Kaffeemaschine Miete", "amount": 2380,
            "interval": "monthly", "start_date": "2027-01-31", **more}  # fmt: skip
    r = manager.post("/subscriptions", body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_create_read_list_and_change(manager, pos, house):
    cid = house()
    sub = new(manager, cid, sepa=True)
    assert (sub["status"], sub["next_billing"], sub["vat_rate_bp"], sub["sepa"]) == (
        "active", "2027-01-31", 1900, True,
    )  # fmt: skip
    assert pos.get(f"/subscriptions/{sub['id']}").get_json() == sub
    new(manager, house())
    page = pos.get(f"/subscriptions?customer_id={cid}").get_json()
    assert [s["id"] for s in page["items"]] == [sub["id"]] and page["total"] == 1
    r = manager.patch(f"/subscriptions/{sub['id']}", {"amount": 2500, "end_date": "2027-06-01"})
    assert r.status_code == 200 and (r.get_json()["amount"], r.get_json()["end_date"]) == (
        2500, "2027-06-01",
    )  # fmt: skip
    r = manager.patch(f"/subscriptions/{sub['id']}", {"end_date": None})
    assert r.get_json()["end_date"] is None and r.get_json()["amount"] == 2500


def test_bad_input_names_the_field_and_saves_nothing(manager, house):
    cid = str(house())
    cases = [
        ({"amount": 0}, "amount"),
        ({"interval": "weekly"}, "interval"),
        ({"start_date": "31.01.2027"}, "start_date"),
        ({"start_date": 1800000000}, "start_date"),
        ({"end_date": "2027-01-01"}, "end_date"),  # before the start
        ({"description": "a\u202eb"}, "description"),
    ]
    for change, field in cases:
        body = {"customer_id": cid, "description": "Abo", "amount": 100, "interval": "monthly",
                "start_date": "2027-01-31", **change}  # fmt: skip
        r = manager.post("/subscriptions", body)
        assert r.status_code == 422, (change, r.get_json())
        assert field in {e["field"].removeprefix("body.") for e in r.get_json()["errors"]}, change
    assert manager.get("/subscriptions").get_json()["total"] == 0
    r = manager.post("/subscriptions", {"customer_id": "999999", "description": "Abo",
                     "amount": 100, "interval": "monthly", "start_date": "2027-01-31"})  # fmt: skip
    assert r.status_code == 404


def test_pos_reads_and_manager_writes(pos, house):
    assert pos.get("/subscriptions").status_code == 200
    r = pos.post("/subscriptions", {"customer_id": str(house()), "description": "Abo",
                 "amount": 100, "interval": "monthly", "start_date": "2027-01-31"})  # fmt: skip
    assert r.status_code == 403
    assert pos.post("/subscriptions/billing-run", {}).status_code == 403


def test_pause_resume_cancel_and_their_conflicts(manager, house):
    sid = new(manager, house())["id"]
    assert manager.post(f"/subscriptions/{sid}/resume").status_code == 409
    paused = manager.post(f"/subscriptions/{sid}/pause").get_json()
    assert (paused["status"], paused["next_billing"]) == ("paused", None)
    assert manager.post(f"/subscriptions/{sid}/pause").status_code == 409
    assert manager.post(f"/subscriptions/{sid}/resume").get_json()["status"] == "active"
    cancelled = manager.post(f"/subscriptions/{sid}/cancel").get_json()
    # Cancelled before its start (31 Jan 2027): nothing will be billed.
    assert (cancelled["status"], cancelled["cancel_at"], cancelled["next_billing"]) == (
        "cancelled", "2027-01-30", None,
    )  # fmt: skip
    assert manager.post(f"/subscriptions/{sid}/cancel").status_code == 409
    assert manager.patch(f"/subscriptions/{sid}", {"amount": 5}).status_code == 409
    assert manager.post("/subscriptions/999999/pause").status_code == 404


def test_the_billing_run_bills_once_and_a_retry_replays(box, manager, house):
    today = box_date(box.config, now_iso())
    start = (today - timedelta(days=40)).replace(day=1)
    sub = new(manager, house(), start_date=start.isoformat())
    dry = manager.post("/subscriptions/billing-run", {"dry_run": True}).get_json()
    assert dry["count"] >= 2 and all(b["number"] is None for b in dry["billed"])
    key = "run-1"
    first = manager.post("/subscriptions/billing-run", {}, idem=key)
    assert first.status_code == 200 and first.get_json()["count"] == dry["count"]
    again = manager.post("/subscriptions/billing-run", {}, idem=key)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    assert manager.post("/subscriptions/billing-run", {}).get_json()["count"] == 0
    got = manager.get(f"/subscriptions/{sub['id']}").get_json()
    assert got["periods_billed"] == dry["count"] and got["next_billing"] > today.isoformat()
    numbers = [b["number"] for b in first.get_json()["billed"]]
    invoices = manager.get(f"/invoices?customer_id={sub['customer_id']}").get_json()["items"]
    assert sorted(i["number"] for i in invoices) == sorted(numbers)
    late = (today + timedelta(days=1)).isoformat()
    r = manager.post("/subscriptions/billing-run", {"until": late})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "until"
