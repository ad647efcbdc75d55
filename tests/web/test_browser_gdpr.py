"""The GDPR erasure confirmation in a real browser (Chromium via Playwright
against the live HTTPS panel): a wrong number is refused next to the field,
the right one erases; a screenshot of the confirmation page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Live, shot
from tests.support.panel import make_customer
from tests.web.test_browser import browser, live, login, new_page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_a_manager_confirms_the_erasure_by_the_customer_number(browser: Any, live: Live) -> None:  # noqa: F811
    cid = make_customer(live.box, first_name="Erna", last_name="Vergessen")
    number = (
        live.box.db.reader()
        .execute("SELECT customer_number FROM customers WHERE id = ?", [cid])
        .fetchone()[0]
    )
    page = new_page(browser)
    login(page, live, "max")
    page.goto(live.url + f"/customers/{cid}")
    page.get_by_role("link", name="Personendaten löschen (DSGVO)").click()
    field = page.get_by_label(f"Zur Bestätigung die Kundennummer {number} eingeben")
    field.fill(str(number + 1))
    page.get_by_role("button", name="Endgültig löschen").click()
    expect(page.locator("#erase-err")).to_contain_text("nicht die Kundennummer")
    shot(page, "customer-erase-confirmation", full_page=True)
    field = page.get_by_label(f"Zur Bestätigung die Kundennummer {number} eingeben")
    field.fill(str(number))
    page.get_by_role("button", name="Endgültig löschen").click()
    expect(page.locator("p.flash.ok")).to_contain_text("Personendaten gelöscht")
    expect(page.locator("h1")).to_contain_text("Gelöscht ")
    page.context.close()
