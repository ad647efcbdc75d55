"""The invoice pages in a real browser (Debian's Chromium via Playwright, a
live HTTPS panel): the Invoices tab, one invoice with its PDF preview, a
payment refused on the field then recorded, the dunning dry run then the
run; screenshots at 1280×800 and 800×480 in test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from edge.invoices import payments
from tests.support.browser import SIZES, Live, shot, staffed_panel
from tests.support.panel import make_customer
from tests.web.test_browser import _fits, browser, login, new_page  # noqa: F401
from tests.web.test_invoice_pages import DUNNING, SELLER, actor, dun, issued, overdue_invoice

# Importing tests.web.test_browser skips this module too where Chromium is missing.
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    data = tmp_path_factory.mktemp("invoices") / "data"
    with staffed_panel(data, {**SELLER, **DUNNING}) as lv:
        yield lv


@pytest.fixture(scope="module")
def shop(live: Live) -> dict[str, int]:
    """A customer with invoices in every state the tab shows."""
    box = live.box
    cid = make_customer(
        box, first_name="Sophie", last_name="Beispiel", city="München", street="Hauptstraße",
        house_number="12", postal_code="80331",
    )  # fmt: skip
    reminded = overdue_invoice(box, cid, 60)
    dun(box, 0)
    dun(box, 30)  # Mahnstufe 2 with fees and interest
    sepa = overdue_invoice(box, cid, 30)
    box.db.write(
        lambda c: c.execute("UPDATE invoices SET sepa_state = 'pending' WHERE id = ?", [sepa])
    )
    part = issued(box, cid)
    box.db.write(lambda c: payments.record_payment(c, box.config, actor(), part, "transfer", 1000))
    due = overdue_invoice(box, cid, 25)  # waiting for its first reminder
    return {"customer": cid, "reminded": reminded, "part": part, "due": due}


def test_screenshots_of_the_invoice_pages(browser: Any, live: Live, shop: dict[str, int]) -> None:  # noqa: F811
    for size in SIZES:
        page = new_page(browser, size=size)
        login(page, live, "max")
        page.goto(live.url + f"/customers/{shop['customer']}?tab=invoices")
        expect(page.locator("#invoices")).to_contain_text("Mahnstufe 2")
        expect(page.locator("#invoices")).to_contain_text("Lastschrift läuft")
        shot(page, f"invoices-tab-{size}")  # first: a page that does not fit is seen too
        _fits(page)
        page.goto(live.url + f"/invoices/{shop['reminded']}")
        expect(page.locator("#lines")).to_be_visible()
        expect(page.locator("iframe.pdf")).to_be_attached()
        pdf = page.request.get(live.url + f"/invoices/{shop['reminded']}/pdf")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")  # the frame's source, with the staff session
        shot(page, f"invoice-detail-{size}")  # first: a page that does not fit is seen too
        _fits(page)
        shot(page, f"invoice-detail-full-{size}", full_page=True)
        page.goto(live.url + "/invoices/dunning")
        expect(page.locator("#dun-dry")).to_be_visible()
        shot(page, f"dunning-dry-run-{size}")  # first: a page that does not fit is seen too
        _fits(page)
        page.goto(live.url + f"/invoices/new?customer={shop['customer']}")
        shot(page, f"invoice-new-{size}")
        _fits(page)
        page.goto(live.url + "/invoices")
        shot(page, f"invoices-list-{size}")  # first: a page that does not fit is seen too
        _fits(page)
        page.context.close()


def pay(page: Page, **fields: str) -> None:
    """Fill the payment form's fields and send it."""
    for name, value in fields.items():
        page.locator(f"#pay-{name}").fill(value)
    page.locator("#form-pay button[type=submit]").click()


def test_a_payment_refused_on_its_field_then_recorded(
    browser: Any,  # noqa: F811
    live: Live,
    shop: dict[str, int],
) -> None:
    page = new_page(browser, lang="en")
    login(page, live, "max")
    page.goto(live.url + f"/invoices/{shop['part']}")
    pay(page, amount="100")
    expect(page.locator("#pay-amount-err")).to_contain_text("at most €14.87")
    page.locator("#pay-method").select_option("cash")
    pay(page, amount="14.87")
    expect(page.locator(".flash.ok")).to_contain_text("Payment of €14.87 recorded.")
    expect(page.locator("h1 + p")).to_contain_text("Paid")
    expect(page.locator("#payments")).to_contain_text("Cash")
    page.context.close()


def test_the_dry_run_then_run_now(browser: Any, live: Live, shop: dict[str, int]) -> None:  # noqa: F811
    page = new_page(browser)
    login(page, live, "max")
    page.goto(live.url + "/invoices/dunning")
    number = (
        live.box.db.reader()
        .execute("SELECT number FROM invoices WHERE id = ?", [shop["due"]])
        .fetchone()[0]
    )
    expect(page.locator("#dun-reminders")).to_contain_text(number)
    page.get_by_role("button", name="Jetzt mahnen").click()
    expect(page.locator("#dun-done")).to_be_visible()
    shot(page, "dunning-done-desktop")
    page.goto(live.url + "/invoices/dunning")
    expect(page.locator("#form-dunning")).to_have_count(0)  # today's run is done
    page.context.close()
