"""The Delivery addresses tab in a real browser (Chromium via Playwright
against the live HTTPS panel, its geocoding worker asking a stand-in
Nominatim on loopback): a cashier adds two addresses with the form, sees the
first one's geodata arrive after the save, moves the default; screenshots at
both sizes in test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from edge.customers.delivery import worker
from tests.support.browser import SIZES, Live, shot, staffed_panel
from tests.support.geocoder import Geocoder
from tests.support.panel import make_customer
from tests.web.test_browser import browser, login, new_page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture
def geo_live(tmp_path: Any) -> Iterator[Live]:
    with Geocoder() as g, staffed_panel(tmp_path / "data", {"geocoding.url": g.url}) as lv:
        worker.attach(lv.box)
        yield lv


def test_a_cashier_adds_addresses_and_sees_their_geodata(browser: Any, geo_live: Live) -> None:  # noqa: F811
    live = geo_live
    cid = make_customer(live.box, first_name="Liefer", last_name="Kundin")
    page = new_page(browser)
    login(page, live, "cara")
    page.goto(live.url + f"/customers/{cid}")
    page.get_by_role("link", name="Lieferadressen").click()
    for label, street, no in (("Zuhause", "Hauptstraße", "5a"), ("Büro", "Marienplatz", "1")):
        form = page.locator("#form-add")
        if not form.is_visible():
            page.get_by_text("Lieferadresse hinzufügen").first.click()
        form.get_by_label("Bezeichnung").fill(label)
        form.get_by_label("Straße").fill(street)
        form.get_by_label("Hausnummer").fill(no)
        form.get_by_label("PLZ").fill("80331")
        form.get_by_label("Ort").fill("München")
        form.get_by_label("Land (DE, AT, …)").fill("DE")
        form.get_by_role("button", name="Lieferadresse hinzufügen").click()
        expect(page.locator("p.flash.ok")).to_have_text("Gespeichert.")
    rows = page.locator("#addresses tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Standard")
    # The geodata arrives after the save: reload until the worker has answered.
    for _ in range(40):
        page.reload()
        if page.locator("#addresses").get_by_text("Geodaten gefunden").count() == 2:
            break
        page.wait_for_timeout(250)
    expect(page.locator("#addresses").get_by_text("Geodaten gefunden")).to_have_count(2)
    expect(rows.first.get_by_role("link", name="Auf OpenStreetMap zeigen")).to_be_visible()
    rows.nth(1).get_by_role("button", name="Als Standard").click()
    expect(page.locator("#addresses tbody tr").first).to_contain_text("Büro")
    for size in SIZES:
        width, height = SIZES[size]
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"detail-addresses-{size}", full_page=True)
    page.context.close()
