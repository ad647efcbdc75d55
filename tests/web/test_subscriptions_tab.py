"""The customer's Subscriptions tab (Expert mode, BACKOFFICE §10): listed
with the next billing date, created, changed, paused and cancelled by a
manager with CSRF; field errors next to the field; de and en."""

from __future__ import annotations

import re

from edge.platform.box import Box
from tests.support.panel import Panel, make_customer


def _expert(panel: Panel) -> None:
    assert panel.post("/prefs", {"mode": "expert", "next": "/"}).status_code == 302


def _nonce(html: str) -> str:
    form = html[html.index('id="form-create"') :]
    m = re.search(r'name="nonce" value="([^"]+)"', form)
    assert m
    return m.group(1)


def _rows(box: Box) -> list[dict]:
    return [dict(r) for r in box.db.reader().execute("SELECT * FROM subscriptions ORDER BY id")]


def test_the_tab_is_expert_only(cashier: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    assert "tab=subscriptions" not in cashier.text(f"/customers/{cid}")
    assert 'id="form-create"' not in cashier.text(f"/customers/{cid}?tab=subscriptions")
    _expert(cashier)
    page = cashier.text(f"/customers/{cid}?tab=subscriptions")
    assert "No subscriptions." in page
    assert 'id="form-create"' not in page  # a cashier reads, a manager writes


def test_a_manager_creates_changes_pauses_and_cancels(manager_panel: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    _expert(manager_panel)
    tab = f"/customers/{cid}?tab=subscriptions"
    form = {"description": "Wartung Kaffeemaschine", "amount": "119,00", "vat_rate_bp": "1900",
            "interval": "monthly", "start_date": "2027-01-31", "end_date": "", "sepa": "1",
            "nonce": _nonce(manager_panel.text(tab))}  # fmt: skip
    r = manager_panel.post(f"/customers/{cid}/subscriptions", form, token_from=tab)
    assert r.status_code == 302
    again = manager_panel.post(f"/customers/{cid}/subscriptions", form, token_from=tab)
    assert again.status_code == 302  # a double click: one subscription
    (row,) = _rows(staff)
    assert (row["amount"], row["sepa"], row["interval"], row["start_date"]) == (
        11900, 1, "monthly", "2027-01-31",
    )  # fmt: skip
    page = manager_panel.text(tab)
    assert "Wartung Kaffeemaschine" in page and "Subscription created." in page
    assert "01/31/2027" in page or "2027-01-31" in page or "31 Jan 2027" in page
    sid = row["id"]
    r = manager_panel.post(
        f"/customers/{cid}/subscriptions/{sid}",
        {"description": "Wartung", "amount": "120", "end_date": "2027-01-01"},
        token_from=tab,
    )
    assert r.status_code == 422  # the end before the start, named at its field
    assert f'id="edit-{sid}-end_date-err"' in r.get_data(as_text=True)
    r = manager_panel.post(
        f"/customers/{cid}/subscriptions/{sid}",
        {"description": "Wartung", "amount": "120", "end_date": ""},
        token_from=tab,
    )
    assert r.status_code == 302 and _rows(staff)[0]["amount"] == 12000
    manager_panel.post(f"/customers/{cid}/subscriptions/{sid}/pause", token_from=tab)
    assert _rows(staff)[0]["status"] == "paused"
    assert "Resume" in manager_panel.text(tab)
    manager_panel.post(f"/customers/{cid}/subscriptions/{sid}/cancel", token_from=tab)
    assert _rows(staff)[0]["status"] == "cancelled"


def test_bad_input_is_shown_at_its_field_in_german(app, staff: Box) -> None:  # type: ignore[no-untyped-def]
    panel = Panel(app.test_client(), lang="de")
    panel.login("max")
    _expert(panel)
    cid = make_customer(staff)
    tab = f"/customers/{cid}?tab=subscriptions"
    page = panel.text(tab)
    assert "Abos" in page and "Neues Abo" in page and "monatlich" in page
    form = {"description": "Abo", "amount": "0", "vat_rate_bp": "1900", "interval": "weekly",
            "start_date": "31.01.2027", "nonce": _nonce(page)}  # fmt: skip
    r = panel.post(f"/customers/{cid}/subscriptions", form, token_from=tab)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and _rows(staff) == []
    assert 'id="create-amount-err"' in html and 'id="create-start_date-err"' in html


def test_the_forms_need_csrf_and_a_manager(cashier: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    r = cashier.client.post(f"/customers/{cid}/subscriptions", data={"description": "x"},
                            base_url="https://localhost")  # fmt: skip
    assert r.status_code in (400, 403)
    r = cashier.post(f"/customers/{cid}/subscriptions", {"description": "x", "nonce": "n"})
    assert r.status_code == 403
    assert _rows(staff) == []
