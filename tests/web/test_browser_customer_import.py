"""The customer import report in a real browser (Chromium via Playwright
against the live HTTPS panel, German): a manager uploads a small CSV, waits
for the dry run and reads its per-row report (one row created, one refused
with the field named); screenshots at both sizes in
test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import SIZES, Live, shot, staffed_panel
from tests.web.test_browser import browser, login, new_page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

CSV = (
    "Kundennummer;Vorname;Name;PLZ;Ort;E-Mail\r\n"
    ";Bea;Neu;10115;Berlin;bea@example.org\r\n"
    "40003;Carl;;80331;München;\r\n"  # refused: no last name
).encode("utf-8-sig")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with staffed_panel(tmp_path_factory.mktemp("import") / "data") as lv:
        yield lv


def test_a_manager_reads_the_dry_run_report(browser: Any, live: Live) -> None:  # noqa: F811
    page = new_page(browser)
    login(page, live, "max")
    page.goto(live.url + "/customers/import")
    expect(page.locator("h1")).to_have_text("Kundenimport")
    page.locator("#f-file").set_input_files(
        {"name": "Kunden März.csv", "mimeType": "text/csv", "buffer": CSV}
    )
    page.get_by_role("button", name="Prüfen (Probelauf)").click()
    # The page refreshes itself every 2 s until the dry run is done.
    expect(page.locator("#import-state")).to_have_attribute("data-phase", "checked", timeout=20000)
    expect(page.get_by_role("button", name="Jetzt importieren")).to_be_visible()
    rows = page.locator("#import-rows tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator('#import-rows tr[data-outcome="created"]')).to_contain_text("angelegt")
    refused = page.locator('#import-rows tr[data-outcome="refused"]')
    expect(refused).to_contain_text("abgelehnt")
    expect(refused.locator("code")).to_have_text("last_name")  # what a mapping file names
    expect(refused).to_contain_text("Nachname last_name: Pflichtfeld für Privatkunden.")
    expect(page.locator('#import-filter a[data-outcome="refused"] .count')).to_have_text("1")
    expect(page.locator("p.muted").first).not_to_contain_text("T00:")  # a local time, not ISO
    for size in SIZES:
        width, height = SIZES[size]
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"customer-import-report-{size}", full_page=True)
    page.context.close()
