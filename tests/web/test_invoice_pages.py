"""The invoice pages (issue 17, panel part): the customer's Invoices tab, the
box-wide list, one invoice with its PDF, the manager's actions (payment,
issue, cancel, waive, new invoice), the dunning dry run and run. Roles,
CSRF, field errors, one booking per form — through the Flask test client
against a real box and the real e-invoice renderer."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from edge.invoices import book
from edge.invoices.dunning import dunning_run
from edge.money.basket import LineIn
from edge.platform.actor import Actor
from edge.platform.box import Box
from edge.platform.clock import now_iso
from edge.platform.config import Config, load_config
from tests.edge.invoices.conftest import SELLER
from tests.support.panel import Panel, make_customer

NB = "\u00a0"
LINES = [
    LineIn(name="Kaffee", quantity="2", unit_price=1190, vat_rate_bp=1900),
    LineIn(name="Milch", quantity="1", unit_price=107, vat_rate_bp=700),
]  # 2380 at 19 % + 107 at 7 % = 2487
DUNNING = {"dunning.level1_fee": 250, "dunning.interest_bp_per_year": 900}


@pytest.fixture
def config(tmp_path: Any) -> Config:
    return load_config(
        overrides={"box.data_dir": str(tmp_path / "data"), **SELLER, **DUNNING}, environ={}
    )


def actor() -> Actor:
    return Actor("test", now_iso())


def draft(box: Box, cid: int, notes: str | None = None) -> int:
    return int(box.db.write(lambda c: book.create_draft(c, box.config, actor(), cid, LINES, notes)))


def issued(box: Box, cid: int) -> int:
    iid = draft(box, cid)
    box.db.write(lambda c: book.issue(c, box.config, actor(), iid))
    return iid


def dun(box: Box, days: int) -> dict[str, Any]:
    """A real dunning run as if today were ``days`` from now."""
    on = date.today() + timedelta(days=days)
    return dict(box.db.write(lambda c: dunning_run(c, box.config, actor(), on)))


def nonce_of(html: str, form: str) -> str:
    m = re.search(rf'id="form-{form}".*?name="nonce" value="([^"]+)"', html, re.S)
    assert m, form
    return m.group(1)


def post_form(p: Panel, page: str, form: str, action: str, data: dict[str, Any]) -> Any:
    html = p.text(page)
    return p.post(action, {"nonce": nonce_of(html, form), **data}, token_from=page)


def row(box: Box, iid: int) -> Any:
    return box.db.reader().execute("SELECT * FROM invoices WHERE id = ?", [iid]).fetchone()


def overdue_invoice(box: Box, cid: int, days: int = 30) -> int:
    """An invoice issued ``days`` ago (the clock moved back for its issue)."""
    iid = draft(box, cid)
    past = (date.today() - timedelta(days=days)).isoformat() + "T09:00:00.000000Z"
    box.db.write(lambda c: book.issue(c, box.config, Actor("test", past), iid))
    return iid


@pytest.fixture
def customer(staff: Box) -> int:
    return make_customer(staff, first_name="Sophie", last_name="Beispiel", city="München")


# -- the customer's tab and the box-wide list ----------------------------------------


def test_the_tab_lists_number_amounts_status_level_and_sepa(
    manager_panel: Panel, staff: Box, customer: int
) -> None:
    first, second = overdue_invoice(staff, customer, 60), overdue_invoice(staff, customer, 60)
    staff.db.write(
        lambda c: c.execute("UPDATE invoices SET sepa_state = 'collected' WHERE id = ?", [first])
    )
    dun(staff, 0)  # level 1 for both (due 46 days ago)
    dun(staff, 30)  # level 2
    html = manager_panel.text(f"/customers/{customer}?tab=invoices")
    number = row(staff, second)["number"]
    assert number in html and row(staff, first)["number"] in html
    assert html.count("Reminder 2") == 2 and html.count(">Overdue<") == 2
    assert "Direct debit collected" in html and "<td>—</td>" in html  # none: a dash
    assert "€24.87" in html  # the amount
    assert re.search(r'id="inv-open">€49\.74<', html)  # the open total of both
    assert f"/invoices/{second}" in html
    de = Panel(manager_panel.client, lang="de")
    assert "Mahnstufe 2" in de.text(f"/customers/{customer}?tab=invoices")


def test_the_tab_filters_by_state_and_overdue(cashier: Panel, staff: Box, customer: int) -> None:
    paid = issued(staff, customer)
    open_ = issued(staff, customer)
    staff.db.write(
        lambda c: __import__("edge.invoices.payments", fromlist=["x"]).record_payment(
            c, staff.config, actor(), paid, "cash", 2487
        )
    )
    base = f"/customers/{customer}?tab=invoices"
    only_paid = cashier.text(base + "&state=paid")
    assert row(staff, paid)["number"] in only_paid
    assert row(staff, open_)["number"] not in only_paid
    assert 'id="no-invoices"' in cashier.text(base + "&overdue=yes")  # due in 14 days
    assert row(staff, open_)["number"] in cashier.text(base + "&overdue=no&state=open")


def test_the_box_wide_list_finds_a_customer_by_name_or_number(
    cashier: Panel, staff: Box, customer: int
) -> None:
    other = make_customer(staff, first_name="Otto", last_name="Korn")
    mine, theirs = issued(staff, customer), issued(staff, other)
    everything = cashier.text("/invoices")
    assert row(staff, mine)["number"] in everything and "Korn" in everything
    by_name = cashier.text("/invoices?q=Beispiel")
    assert row(staff, mine)["number"] in by_name
    assert row(staff, theirs)["number"] not in by_name
    number = (
        staff.db.reader()
        .execute("SELECT customer_number FROM customers WHERE id = ?", [other])
        .fetchone()[0]
    )
    assert row(staff, mine)["number"] not in cashier.text(f"/invoices?q={number}")
    assert 'id="no-customer"' in cashier.text("/invoices?q=Niemand")
    assert 'href="/invoices/dunning"' in everything and "Invoices</a>" in everything


# -- one invoice ------------------------------------------------------------------------


def test_the_detail_shows_lines_vat_payments_history_and_the_pdf(
    manager_panel: Panel, staff: Box, customer: int
) -> None:
    iid = issued(staff, customer)
    r = post_form(
        manager_panel, f"/invoices/{iid}", "pay", f"/invoices/{iid}/payments",
        {"method": "transfer", "amount": "10.00", "reference": "Bank 7"},
    )  # fmt: skip
    assert r.status_code == 302
    html = manager_panel.text(f"/invoices/{iid}")
    assert "Kaffee" in html and "Milch" in html
    assert "19%" in html and "7%" in html and "€20.00" in html  # net at 19 %
    assert "Bank transfer" in html and "Bank 7" in html and "Partly paid" in html
    assert "Payment €10.00 (Bank transfer)" in html
    assert f"Issued as {row(staff, iid)['number']}" in html
    assert f'<iframe class="pdf" src="/invoices/{iid}/pdf"' in html
    pdf = manager_panel.get(f"/invoices/{iid}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in pdf.headers["Content-Security-Policy"]
    assert row(staff, iid)["pdf"] == pdf.data  # made once, kept: the API's bytes too
    xml = manager_panel.get(f"/invoices/{iid}/xml")
    assert xml.status_code == 200 and b"CrossIndustryInvoice" in xml.data
    assert "attachment" in xml.headers["Content-Disposition"]


def test_a_draft_has_no_documents_and_unknown_invoices_are_404(
    cashier: Panel, staff: Box, customer: int
) -> None:
    iid = draft(staff, customer)
    assert "Draft (no number yet)" in cashier.text(f"/invoices/{iid}")
    assert cashier.get(f"/invoices/{iid}/pdf").status_code == 404
    for path in ("/invoices/999999", "/invoices/abc", "/invoices/1x/pdf", "/invoices/-1/xml"):
        assert cashier.get(path).status_code == 404


# -- payments ----------------------------------------------------------------------------


def test_a_payment_splits_fees_first_and_is_recorded_once(
    manager_panel: Panel, staff: Box, customer: int
) -> None:
    iid = issued(staff, customer)
    dun(staff, 30)  # a level-1 fee is now owed before the principal
    fees, interest = row(staff, iid)["fees"], row(staff, iid)["interest"]
    assert fees == 250 and interest > 0
    page = f"/invoices/{iid}"
    html = manager_panel.text(page)
    data = {"nonce": nonce_of(html, "pay"), "method": "cash", "amount": "5,00"}
    for _ in range(2):  # a double click, a re-post: one payment
        r = manager_panel.post(f"/invoices/{iid}/payments", data, token_from=page)
        assert r.status_code == 302
    sql = "SELECT amount, to_fees, to_interest, to_principal FROM invoice_payments"
    sql += " WHERE invoice_id = ?"
    got = [tuple(x) for x in staff.db.reader().execute(sql, [iid])]
    assert got == [(500, 250, interest, 250 - interest)]  # §367 BGB: fees, interest, principal


def test_an_overpayment_is_shown_on_the_amount_and_nothing_is_booked(
    manager_panel: Panel, staff: Box, customer: int
) -> None:
    iid = issued(staff, customer)
    r = post_form(
        manager_panel, f"/invoices/{iid}", "pay", f"/invoices/{iid}/payments",
        {"method": "card", "amount": "30"},
    )  # fmt: skip
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'id="pay-amount-err"' in html and "at most €24.87" in html
    assert row(staff, iid)["principal_paid"] == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"method": "cash", "amount": ""}, "amount"),
        ({"method": "cash", "amount": "zwölf"}, "amount"),
        ({"method": "cash", "amount": "-3"}, "amount"),
        ({"method": "bitcoin", "amount": "3"}, "method"),
        ({"method": "credit", "amount": "3"}, "amount"),  # no stored value
        ({"method": "cash", "amount": "3", "reference": "a\u202eb"}, "reference"),
    ],
)
def test_bad_payment_input_is_a_field_error_never_a_500(
    manager_panel: Panel, staff: Box, customer: int, data: dict[str, str], field: str
) -> None:
    iid = issued(staff, customer)
    r = post_form(manager_panel, f"/invoices/{iid}", "pay", f"/invoices/{iid}/payments", data)
    assert r.status_code == 422, r.status_code
    assert f'id="pay-{field}-err"' in r.get_data(as_text=True)
    assert row(staff, iid)["principal_paid"] == 0


def test_a_cashier_sees_but_cannot_pay_issue_cancel_or_waive(
    cashier: Panel, staff: Box, customer: int
) -> None:
    iid, other = issued(staff, customer), draft(staff, customer)
    html = cashier.text(f"/invoices/{iid}")
    assert "form-pay" not in html and "form-cancel" not in html
    assert "form-issue" not in cashier.text(f"/invoices/{other}")
    form = {"nonce": "n1", "method": "cash", "amount": "1", "reason": "x", "confirm": "1"}
    for action in ("payments", "cancel", "waive"):
        assert cashier.post(f"/invoices/{iid}/{action}", form).status_code == 403
    assert cashier.post(f"/invoices/{other}/issue", form).status_code == 403
    assert cashier.post("/invoices/dunning/run", form).status_code == 403
    assert cashier.get("/invoices/new").status_code == 403
    assert row(staff, iid)["state"] == "open" and row(staff, other)["state"] == "draft"


def test_posts_without_the_csrf_token_or_nonce_are_refused(
    manager_panel: Panel, staff: Box, customer: int
) -> None:
    iid = issued(staff, customer)
    c = manager_panel.client
    r = c.post(
        f"/invoices/{iid}/payments",
        data={"nonce": "n", "method": "cash", "amount": "1"},
        base_url="https://localhost",
    )
    assert r.status_code == 400
    r = manager_panel.post(f"/invoices/{iid}/payments", {"method": "cash", "amount": "1"})
    assert r.status_code == 400  # no nonce: a retry could book twice
    assert row(staff, iid)["principal_paid"] == 0


# -- issue, cancel, waive ------------------------------------------------------------


def test_a_manager_issues_a_draft(manager_panel: Panel, staff: Box, customer: int) -> None:
    iid = draft(staff, customer)
    r = post_form(manager_panel, f"/invoices/{iid}", "issue", f"/invoices/{iid}/issue", {})
    assert r.status_code == 302
    number = row(staff, iid)["number"]
    assert number and row(staff, iid)["state"] == "open"
    assert f"Invoice {number} issued." in manager_panel.text(f"/invoices/{iid}")


def test_issuing_without_the_shops_vat_id_says_so_and_stays_a_draft(
    tmp_path: Any,
) -> None:
    from edge.serving.app import create_app
    from tests.support.panel import add_user

    cfg = load_config(
        overrides={"box.data_dir": str(tmp_path / "d2"), "box.name": "Laden"}, environ={}
    )
    app = create_app(cfg)
    box = app.extensions["tilledge"]
    try:
        add_user(box, "max", "manager")
        p = Panel(app.test_client())
        p.login("max")
        iid = draft(box, make_customer(box))
        r = post_form(p, f"/invoices/{iid}", "issue", f"/invoices/{iid}/issue", {})
        assert r.status_code == 302
        html = p.text(f"/invoices/{iid}")
        assert "The e-invoice is not valid" in html and "box.vat_id" in html
        assert row(box, iid)["state"] == "draft" and row(box, iid)["number"] is None
    finally:
        box.close()


def test_cancel_needs_a_reason_and_a_confirmation(
    manager_panel: Panel, staff: Box, customer: int
) -> None:
    iid = issued(staff, customer)
    page, action = f"/invoices/{iid}", f"/invoices/{iid}/cancel"
    r = post_form(manager_panel, page, "cancel", action, {"reason": "", "confirm": "1"})
    assert r.status_code == 422 and 'id="cancel-reason-err"' in r.get_data(as_text=True)
    r = post_form(manager_panel, page, "cancel", action, {"reason": "falsch"})
    assert r.status_code == 422 and 'id="cancel-confirm-err"' in r.get_data(as_text=True)
    assert row(staff, iid)["state"] == "open"
    r = post_form(manager_panel, page, "cancel", action, {"reason": "falsch", "confirm": "1"})
    assert r.status_code == 302
    note = int(r.headers["Location"].rsplit("/", 1)[1])
    assert row(staff, iid)["state"] == "cancelled"
    html = manager_panel.text(f"/invoices/{note}")
    assert "Credit note (cancellation)" in html and row(staff, iid)["number"] in html
    assert "Cancelled by credit note" in manager_panel.text(page)


def test_waive_at_most_what_is_open_with_a_reason(
    manager_panel: Panel, staff: Box, customer: int
) -> None:
    iid = issued(staff, customer)
    dun(staff, 30)
    fees = row(staff, iid)["fees"]
    assert fees > 0
    page, action = f"/invoices/{iid}", f"/invoices/{iid}/waive"
    r = post_form(manager_panel, page, "waive", action, {"fees": "999", "reason": "Kulanz"})
    assert r.status_code == 422 and 'id="waive-fees-err"' in r.get_data(as_text=True)
    r = post_form(manager_panel, page, "waive", action, {"fees": "1", "reason": ""})
    assert r.status_code == 422 and 'id="waive-reason-err"' in r.get_data(as_text=True)
    r = post_form(manager_panel, page, "waive", action, {"reason": "Kulanz"})
    assert r.status_code == 422 and "Please enter an amount" in r.get_data(as_text=True)
    r = post_form(manager_panel, page, "waive", action, {"fees": "1,00", "reason": "Kulanz"})
    assert r.status_code == 302
    assert row(staff, iid)["fees"] == fees - 100
    assert "Kulanz" in manager_panel.text(page)


# -- a new invoice by hand ---------------------------------------------------------------


def _number(box: Box, cid: int) -> str:
    sql = "SELECT customer_number FROM customers WHERE id = ?"
    return str(box.db.reader().execute(sql, [cid]).fetchone()[0])


def test_a_new_invoice_is_a_draft_priced_as_at_the_till(
    manager_panel: Panel, staff: Box, customer: int
) -> None:
    page = f"/invoices/new?customer={customer}"
    assert f'value="{_number(staff, customer)}"' in manager_panel.text(page)
    data = {
        "customer": _number(staff, customer),
        "line-0-name": "Kaffee", "line-0-qty": "2", "line-0-price": "11,90", "line-0-vat": "1900",
        "line-2-name": "Milch", "line-2-qty": "1", "line-2-price": "1.07", "line-2-vat": "700",
        "notes": "Lieferung frei Haus",
    }  # fmt: skip
    r = post_form(manager_panel, page, "new", "/invoices/new", data)
    assert r.status_code == 302, r.get_data(as_text=True)
    iid = int(r.headers["Location"].rsplit("/", 1)[1])
    got = row(staff, iid)
    assert (got["state"], got["gross"], got["net"], got["notes"]) == (
        "draft", 2487, 2100, "Lieferung frei Haus",
    )  # fmt: skip
    assert "form-issue" in manager_panel.text(f"/invoices/{iid}")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"customer": "999999", "line-0-name": "A", "line-0-price": "1"}, "customer"),
        ({"line-0-name": "A", "line-0-qty": "abc", "line-0-price": "1"}, "line-0-qty"),
        ({"line-0-name": "A", "line-0-qty": "0", "line-0-price": "1"}, "line-0-qty"),
        ({"line-1-name": "A", "line-1-price": "1x"}, "line-1-price"),
        ({"line-3-price": "2"}, "line-3-name"),
        ({"line-0-name": "A", "line-0-price": "1", "line-0-vat": "1600"}, "line-0-vat"),
        ({"line-0-name": "x" * 201, "line-0-price": "1"}, "line-0-name"),
        ({"line-0-name": "A\u202e", "line-0-price": "1"}, "line-0-name"),
        ({}, "line-0-name"),
        ({"line-0-name": "A", "line-0-price": "1", "notes": "n" * 2001}, "notes"),
    ],
)
def test_bad_new_invoice_input_is_a_field_error_and_no_draft(
    manager_panel: Panel, staff: Box, customer: int, data: dict[str, str], field: str
) -> None:
    form = {"customer": _number(staff, customer), **data}
    r = post_form(manager_panel, "/invoices/new", "new", "/invoices/new", form)
    html = r.get_data(as_text=True)
    assert r.status_code == 422, html
    assert f'id="{field}-err"' in html
    assert staff.db.reader().execute("SELECT count(*) FROM invoices").fetchone()[0] == 0


# -- the dunning run ---------------------------------------------------------------------


def test_the_dry_run_shows_what_would_happen_then_run_now(
    manager_panel: Panel, staff: Box, customer: int
) -> None:
    iid = overdue_invoice(staff, customer)
    html = manager_panel.text("/invoices/dunning")
    assert 'id="dun-dry"' in html and row(staff, iid)["number"] in html
    assert "Reminder 1" in html and "Sophie Beispiel" in html
    assert row(staff, iid)["dunning_level"] == 0  # a dry run writes nothing
    nonce = nonce_of(html, "dunning")
    for _ in range(2):
        r = manager_panel.post("/invoices/dunning/run", {"nonce": nonce}, token_from="/invoices")
    assert r.status_code == 200 and 'id="dun-done"' in r.get_data(as_text=True)
    assert row(staff, iid)["dunning_level"] == 1
    notices = staff.db.reader().execute("SELECT count(*) FROM dunning_notices").fetchone()[0]
    assert notices == 1
    again = manager_panel.text("/invoices/dunning")
    assert 'id="dun-none"' in again and "form-dunning" not in again


def test_a_cashier_sees_the_dry_run_without_the_run_button(
    cashier: Panel, staff: Box, customer: int
) -> None:
    overdue_invoice(staff, customer)
    html = cashier.text("/invoices/dunning")
    assert "Reminder 1" in html and "form-dunning" not in html
