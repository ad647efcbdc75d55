"""The Subscriptions tab in a real browser (Chromium via Playwright against
the live HTTPS panel): a manager in Expert mode creates a subscription with
the form and sees it listed with its next billing date; screenshots at both
sizes in test-artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import SIZES, Live, shot
from tests.support.panel import make_customer
from tests.web.test_browser import browser, live, login, new_page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_a_manager_creates_a_subscription_in_expert_mode(browser: Any, live: Live) -> None:  # noqa: F811
    cid = make_customer(live.box, first_name="Abo", last_name="Kundin")
    page = new_page(browser)
    login(page, live, "max")
    page.goto(live.url + f"/customers/{cid}")
    expect(page.get_by_role("link", name="Abos")).to_have_count(0)  # Normal mode: no tab
    page.get_by_role("button", name="Experte").click()
    page.goto(live.url + f"/customers/{cid}")
    page.get_by_role("link", name="Abos").click()
    form = page.locator("#form-create")
    form.get_by_label("Beschreibung").fill("Wartungsvertrag Kaffeemaschine")
    form.get_by_label("Betrag je Zeitraum (brutto)").fill("119,00")
    form.get_by_label("Intervall").select_option("quarterly")
    form.get_by_label("Beginn").fill("2027-01-31")
    form.get_by_label("SEPA-Lastschrift").check()
    form.get_by_role("button", name="Abo anlegen").click()
    expect(page.locator("p.flash.ok")).to_have_text("Abo angelegt.")
    row = page.locator("#subscriptions tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("vierteljährlich")
    expect(row).to_contain_text("31.01.2027")
    expect(row).to_contain_text("119,00")
    for size in SIZES:
        width, height = SIZES[size]
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"detail-subscriptions-{size}", full_page=True)
    page.context.close()
