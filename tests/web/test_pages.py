"""Fast Flask-client tests of every panel page and role rule (no browser)."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from edge.customers import groups
from edge.devices import printing
from edge.money import service as money
from edge.platform.box import Box
from edge.platform.clock import now_iso
from tests.support.panel import HTTPS, Panel, make_customer
from tests.support.panel import balances as balance


def topup(box: Box, cid: int, amount: int) -> None:
    """Credit by correction: no top-up limit, no bonus (keeps numbers simple)."""
    actor = money.Actor("test", now_iso())
    box.db.write(
        lambda c: money.correction(money.Txn(c, box.config, actor), cid, "cash", amount, "setup")
    )


def test_pages_render_for_a_cashier(cashier: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    for path in (
        "/",
        "/customers",
        "/customers?q=M%C3%BCller&status=all",
        "/customers/rows?q=thomas",
        "/customers/new",
        f"/customers/{cid}",
        f"/customers/{cid}/edit",
        "/devices",
        "/groups.css",
    ):
        cashier.text(path)
    for tab in ("general", "credit", "points", "purchases", "history"):
        html = cashier.text(f"/customers/{cid}?tab={tab}")
        assert 'aria-current="page"' in html
    state = cashier.get("/devices/state").get_json()
    assert set(state["devices"]) == {"reader", "printer", "display"}


def test_cashier_role_limits(cashier: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    topup(staff, cid, 5000)
    html = cashier.text(f"/customers/{cid}?tab=credit")
    assert 'id="form-topup"' in html
    assert 'id="form-payout"' not in html and 'id="form-correction"' not in html
    assert "Deactivate" not in html and "/merge" not in html
    assert 'href="/groups"' not in cashier.text("/")  # no menu entry for groups
    for path in ("/groups", f"/customers/{cid}/merge", "/terminals/pair"):
        assert cashier.get(path).status_code == 403, path
    page = f"/customers/{cid}"
    for path, data in (
        (f"/customers/{cid}/payout", {"amount": "10", "nonce": "n1"}),
        (f"/customers/{cid}/correction", {"amount": "10", "reason": "x", "nonce": "n2"}),
        (f"/customers/{cid}/status", {"status": "inactive"}),
        (f"/customers/{cid}/merge", {"source": "1"}),
        ("/groups", {"name": "VIP"}),
    ):
        assert cashier.post(path, data, token_from=page).status_code == 403, path
    assert balance(staff, cid)[0] == 5000


def test_manager_sees_and_uses_payout_and_correction(manager_panel: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    topup(staff, cid, 5000)
    page = f"/customers/{cid}?tab=credit"
    html = manager_panel.text(page)
    assert 'id="form-payout"' in html and 'id="form-correction"' in html
    resp = manager_panel.post(f"/customers/{cid}/payout", {"amount": "12,50", "nonce": "p1"})
    assert resp.status_code == 302
    assert balance(staff, cid)[0] == 3750
    resp = manager_panel.post(
        f"/customers/{cid}/correction",
        {"account": "points", "amount": "7", "reason": "welcome", "nonce": "c1"},
    )
    assert resp.status_code == 302
    assert balance(staff, cid)[2] == 7
    resp = manager_panel.post(
        f"/customers/{cid}/correction",
        {"account": "cash", "amount": "-1,00", "reason": "", "nonce": "c2"},
    )
    assert resp.status_code == 422 and "Please give a reason." in resp.get_data(as_text=True)
    resp = manager_panel.post(f"/customers/{cid}/payout", {"amount": "1.000,00", "nonce": "p2"})
    assert resp.status_code == 422 and "Not enough credit." in resp.get_data(as_text=True)
    html = manager_panel.text(page)
    assert "Payout" in html and "€37.50" in html


def test_topup_once_per_form_and_refusals(cashier: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    form = {"amount": "20", "nonce": "same-form"}
    assert cashier.post(f"/customers/{cid}/topup", form).status_code == 302
    assert cashier.post(f"/customers/{cid}/topup", form).status_code == 302  # double click
    assert balance(staff, cid)[0] == 2000
    assert cashier.post(f"/customers/{cid}/topup", {"amount": "5"}).status_code == 400
    resp = cashier.post(f"/customers/{cid}/topup", {"amount": "-5", "nonce": "n"})
    assert resp.status_code == 422 and 'aria-invalid="true"' in resp.get_data(as_text=True)
    staff.db.write(
        lambda c: c.execute("UPDATE customers SET blocked = 1, lock_text = 'Hausverbot'")
    )
    resp = cashier.post(f"/customers/{cid}/topup", {"amount": "5", "nonce": "n3"})
    assert resp.status_code == 422
    assert "The customer is blocked: Hausverbot" in resp.get_data(as_text=True)
    assert balance(staff, cid)[0] == 2000


def test_create_errors_duplicates_and_success(cashier: Panel, staff: Box) -> None:
    html = cashier.text("/customers/new")
    names = re.search(r'name="_fields" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    assert "iban" not in names.split(",")  # Normal mode: daily-work fields only
    base = {"_fields": names, "type": "individual", "first_name": "Ida"}
    resp = cashier.post("/customers/new", {**base, "email": "ida@", "date_of_birth": "2999-01-01"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'id="f-last_name-err">Required for an individual customer.' in body
    assert 'id="f-email-err"' in body
    assert 'value="Ida"' in body  # what was typed stays
    good = {**base, "last_name": "Pfeiffer", "email": "ida@example.com"}
    resp = cashier.post("/customers/new", good)
    assert resp.status_code == 302
    resp = cashier.post("/customers/new", good)  # same e-mail again
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409 and 'id="duplicates"' in body and "same e-mail" in body
    resp = cashier.post("/customers/new", {**good, "allow_duplicate": "1"})
    assert resp.status_code == 302
    n = staff.db.reader().execute("SELECT count(*) FROM customers").fetchone()[0]
    assert n == 2


def test_german_errors(app: Flask, staff: Box) -> None:
    p = Panel(app.test_client(), lang="de")
    p.login("cara")
    names = "type,first_name,last_name,email"
    form = {"_fields": names, "type": "individual", "last_name": "X", "email": "a@@b"}
    resp = p.post("/customers/new", form)
    body = resp.get_data(as_text=True)
    assert "Keine gültige E-Mail-Adresse" in body


def test_edit_changes_only_shown_fields_and_keeps_history(
    cashier: Panel, manager_panel: Panel, staff: Box
) -> None:
    cid = make_customer(staff, iban="DE89370400440532013000")
    html = cashier.text(f"/customers/{cid}/edit")
    names = re.search(r'name="_fields" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    resp = cashier.post(
        f"/customers/{cid}/edit",
        {"_fields": names, "type": "individual", "first_name": "Tom", "last_name": "Müller"},
    )
    assert resp.status_code == 302
    row = staff.db.reader().execute("SELECT first_name, iban FROM customers").fetchone()
    assert row["first_name"] == "Tom" and row["iban"] == "DE89370400440532013000"
    history = cashier.text(f"/customers/{cid}?tab=history")
    assert "user:cara" in history and "First name" in history and "Thomas" in history


def test_expert_mode_and_help_hints(cashier: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    normal = cashier.text(f"/customers/{cid}/edit")
    assert 'id="f-iban"' not in normal and 'id="f-credit_limit"' not in normal
    assert cashier.post("/prefs", {"mode": "expert", "next": "/"}).status_code == 302
    expert = cashier.text(f"/customers/{cid}/edit")
    for field in ("iban", "sepa_mandate_reference", "credit_limit", "payment_terms_days"):
        assert f'id="f-{field}"' in expert
    assert expert.count('<details class="help">') >= 4
    assert "mandate" in expert and "open invoice amount" in expert
    detail = cashier.text(f"/customers/{cid}")
    assert 'id="card-uid"' in detail  # cards: Expert mode


def test_every_input_has_a_label(manager_panel: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    manager_panel.post("/prefs", {"mode": "expert", "next": "/"})
    pages = [
        "/customers",
        "/customers/new",
        f"/customers/{cid}",
        f"/customers/{cid}/edit",
        f"/customers/{cid}?tab=credit",
        f"/customers/{cid}?tab=subscriptions",
        f"/customers/{cid}/merge",
        "/groups",
        "/devices",
    ]
    for path in pages:
        html = manager_panel.text(path)
        labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
            if 'type="hidden"' in tag:
                continue
            ident = re.search(r'id="([^"]+)"', tag)
            wrapped = ident is None  # <label>text <input></label> (the login form)
            assert wrapped or ident.group(1) in labelled, f"{path}: {tag}"  # type: ignore[union-attr]


def test_cards_add_and_block(cashier: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    cashier.post("/prefs", {"mode": "expert", "next": "/"})
    resp = cashier.post(f"/customers/{cid}/cards", {"uid": "04:a2:b3:c4"})
    assert resp.status_code == 302
    assert "04A2B3C4" in cashier.text(f"/customers/{cid}")
    resp = cashier.post(f"/customers/{cid}/cards", {"uid": "04a2b3c4"})
    assert resp.status_code == 409 or resp.status_code == 422
    assert "This card is already registered." in resp.get_data(as_text=True)
    resp = cashier.post(f"/customers/{cid}/cards/block", {"uid": "04A2B3C4", "reason": "lost"})
    assert resp.status_code == 302
    status = staff.db.reader().execute("SELECT status FROM cards").fetchone()[0]
    assert status == "lost"


def test_deactivate_reactivate_and_merge(manager_panel: Panel, staff: Box) -> None:
    target = make_customer(staff, email="same@example.com")
    source = make_customer(staff, email="same@example.com", city="Ulm")
    number = (
        staff.db.reader()
        .execute("SELECT customer_number FROM customers WHERE id = ?", [source])
        .fetchone()[0]
    )
    merge = manager_panel.text(f"/customers/{target}/merge")
    assert str(number) in merge and "same e-mail" in merge  # duplicates suggested
    resp = manager_panel.post(f"/customers/{target}/merge", {"source": "999999"})
    assert resp.status_code == 422 and "No customer with this number." in resp.get_data(True)
    resp = manager_panel.post(f"/customers/{target}/merge", {"source": str(number)})
    assert resp.status_code == 302
    row = (
        staff.db.reader()
        .execute("SELECT status, merged_into FROM customers WHERE id = ?", [source])
        .fetchone()
    )
    assert row["status"] == "inactive" and row["merged_into"] == target
    assert "Ulm" in manager_panel.text(f"/customers/{target}")  # empty field filled
    for status in ("inactive", "active"):
        resp = manager_panel.post(f"/customers/{target}/status", {"status": status})
        assert resp.status_code == 302
        now = staff.db.reader().execute("SELECT status FROM customers WHERE id = ?", [target])
        assert now.fetchone()[0] == status
    assert "This customer is deactivated." in manager_panel.text(f"/customers/{source}")


def test_merge_refused_for_a_source_with_money(
    manager_panel: Panel, staff: Box, monkeypatch: pytest.MonkeyPatch
) -> None:
    from edge.errors import Conflict
    from edge.money import merge

    def refuse(*args: object, **kwargs: object) -> None:
        raise Conflict("the source customer still has a balance", cash=100)

    monkeypatch.setattr(merge, "merge_customers", refuse)
    target = make_customer(staff)
    make_customer(staff, customer_number=777)
    resp = manager_panel.post(f"/customers/{target}/merge", {"source": "777"})
    assert resp.status_code == 422
    assert "Pay out or correct them to 0 first." in resp.get_data(as_text=True)


def test_search_fragment_filters_and_group_colours(manager_panel: Panel, staff: Box) -> None:
    gid = staff.db.write(
        lambda c: groups.create_group(c, {"name": "VIP", "color": "#aa0000"}, now_iso())
    )["id"]
    make_customer(staff, first_name="Vera", last_name="Gruppe", group_id=gid)
    make_customer(staff, first_name="Otto", last_name="Gruppe")
    rows = manager_panel.text(f"/customers/rows?q=gruppe&group={gid}")
    assert "Vera Gruppe" in rows and "Otto Gruppe" not in rows
    assert f'class="dot g-{gid}"' in rows
    assert f".g-{gid}{{background:#aa0000}}" in manager_panel.text("/groups.css")
    assert "2 found" in manager_panel.text("/customers/rows?q=gruppe")
    assert "0 found" in manager_panel.text("/customers/rows?q=gruppe&status=inactive")
    assert "<html" not in rows  # a fragment, not a page


def test_groups_management(manager_panel: Panel, staff: Box) -> None:
    resp = manager_panel.post("/groups", {"name": "", "color": "red", "sort_order": "x"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'id="new-name-err"' in body and 'id="new-color-err"' in body
    resp = manager_panel.post("/groups", {"name": "Team", "color": "#00aa00", "sort_order": "2"})
    assert resp.status_code == 302
    gid = staff.db.reader().execute("SELECT id FROM customer_groups").fetchone()[0]
    resp = manager_panel.post(
        f"/groups/{gid}",
        {"action": "save", "name": "Team A", "color": "#00aa00", "default_discount_percent": "10"},
    )
    assert resp.status_code == 302
    row = staff.db.reader().execute("SELECT * FROM customer_groups").fetchone()
    assert row["name"] == "Team A" and row["default_discount_percent"] == 10
    assert manager_panel.post(f"/groups/{gid}", {"action": "delete"}).status_code == 302
    assert staff.db.reader().execute("SELECT count(*) FROM customer_groups").fetchone()[0] == 0


def test_language_from_header_and_switch(app: Flask, staff: Box) -> None:
    de = Panel(app.test_client(), lang="de-DE,de;q=0.9,en;q=0.5")
    assert 'lang="de"' in de.text("/login") and "Anmelden" in de.text("/login")
    de.login("cara")
    cid = make_customer(staff)
    topup(staff, cid, 123456)
    assert "1.234,56\u00a0€" in de.text(f"/customers/{cid}")
    resp = de.post("/prefs", {"lang": "en", "next": f"/customers/{cid}"})
    assert resp.headers["Location"].endswith(f"/customers/{cid}")
    cookie = resp.headers["Set-Cookie"]
    assert "tilledge_lang=en" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie
    html = de.text(f"/customers/{cid}")
    assert 'lang="en"' in html and "€1,234.56" in html
    resp = de.post("/prefs", {"lang": "fr", "next": "https://evil.example/"})
    assert resp.headers["Location"] == "/"  # no open redirect, unknown language ignored


def test_unknown_customer_is_a_panel_404(cashier: Panel) -> None:
    resp = cashier.get("/customers/999")
    assert resp.status_code == 404 and "Not found." in resp.get_data(as_text=True)
    assert cashier.get("/customers/abc?tab=credit").status_code == 404


class FakeDevices:
    """The panel-facing surface of edge.devices.manager.DeviceManager (another module's)."""

    def __init__(self, *, simulated_reader: bool = True, printer_reason: str = "") -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.simulated_reader = simulated_reader
        self.printer_reason = printer_reason

    def states(self) -> dict[str, dict[str, str]]:
        printer = {"state": "error", "detail": "no paper"}
        if self.printer_reason:
            printer["reason"] = self.printer_reason
        return {
            "nfc": {"state": "ok", "detail": "till-1: udp"},
            "printer": printer,
            "display": {"state": "ok", "detail": "simulated"},
        }

    def can_simulate_taps(self) -> bool:
        return self.simulated_reader

    def display_text(self) -> list[str]:
        return ["Summe", "12,50 EUR"]

    def test_print(self) -> str:
        self.calls.append(("test_print", ()))
        return "1"

    def show_text(self, lines: list[str]) -> None:
        self.calls.append(("show_text", (lines,)))

    def simulate_tap(self, uid: str) -> None:
        self.calls.append(("simulate_tap", (uid,)))


def test_devices_page_without_and_with_a_device_service(
    cashier: Panel, manager_panel: Panel, staff: Box
) -> None:
    html = cashier.text("/devices")
    assert "device service not running" in html and "disabled" in html
    assert "Paired terminals" not in html  # managers only
    resp = cashier.post("/devices/test-print", token_from="/devices")
    assert resp.status_code == 302
    assert "device service not running" in cashier.text("/devices")  # flashed, no crash
    fake = FakeDevices()
    staff.services["devices"] = fake
    html = cashier.text("/devices")
    assert "ready" in html and "not reachable (error)" in html and "no paper" in html
    assert "Summe" in html and "12,50 EUR" in html
    cashier.post("/devices/test-print", token_from="/devices")
    cashier.post("/devices/display", {"text": "Hallo\nWelt"}, token_from="/devices")
    cashier.post("/devices/tap", {"uid": "04:a2:b3:c4"}, token_from="/devices")
    assert fake.calls == [
        ("test_print", ()),
        ("show_text", (["Hallo", "Welt"],)),
        ("simulate_tap", ("04:a2:b3:c4",)),
    ]
    state = cashier.get("/devices/state").get_json()
    assert state["devices"]["printer"]["ok"] is False and state["display"] == ["Summe", "12,50 EUR"]
    box_html = manager_panel.text("/devices")
    assert "Paired terminals" in box_html and 'action="/terminals/pair"' in box_html
    assert staff.config.box.name in box_html and "Version" in box_html


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_real_reader_offers_no_simulated_tap_and_refuses_one(
    app: Flask, staff: Box, lang: str
) -> None:
    fake = FakeDevices(simulated_reader=False)
    staff.services["devices"] = fake
    cashier = Panel(app.test_client(), lang=lang)
    cashier.login("cara")
    message = {"de": "dieser Leser ist echt", "en": "this reader is real"}[lang]
    html = cashier.text("/devices")
    assert message in html and 'action="/devices/tap"' not in html
    resp = cashier.post("/devices/tap", {"uid": "04A2B3C4"}, token_from="/devices")
    assert resp.status_code == 302
    assert message in cashier.text("/devices") and fake.calls == []


@pytest.mark.parametrize(
    ("reason", "label"),
    [
        ("stalled", "fault (takes no data)"),
        ("disconnected", "fault (connection lost)"),
        ("paper_out", "fault (out of paper)"),
    ],
)
def test_a_faulty_printer_shows_why(cashier: Panel, staff: Box, reason: str, label: str) -> None:
    staff.services["devices"] = FakeDevices(printer_reason=reason)
    assert label in cashier.text("/devices")
    state = cashier.get("/devices/state").get_json()
    assert state["devices"]["printer"] == {"label": label, "ok": False, "detail": "no paper"}


def test_receipt_previews_from_the_print_outbox(cashier: Panel, staff: Box) -> None:
    assert "No receipts yet." in cashier.text("/devices")
    job = staff.db.write(
        lambda c: printing.enqueue_text(c, staff.config, ["Hallo", "Summe 12,50"], "Test")
    )
    html = cashier.text("/devices")
    assert f"/devices/jobs/{job}.png" in html and "waiting" in html
    resp = cashier.get(f"/devices/jobs/{job}.png")
    assert resp.status_code == 200 and resp.data.startswith(b"\x89PNG")
    assert cashier.get("/devices/jobs/999.png").status_code == 404


@pytest.mark.parametrize("path", ["/customers", "/customers/1", "/devices", "/groups"])
def test_anonymous_is_sent_to_login(client, path: str) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(path, base_url=HTTPS)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_devices_page_says_whether_mail_is_sent(cashier: Panel, staff: Box) -> None:
    html = cashier.text("/devices")
    assert "not configured ([mail] host): no e-mail is sent" in html
