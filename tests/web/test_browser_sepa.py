"""The SEPA page in a real browser (Chromium via Playwright against the live
HTTPS panel, German): a manager sees the next file with its pre-flight
result, makes it and lands on the file; screenshots at both sizes in
test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import SIZES, Live, shot, staffed_panel
from tests.web.sepa_setup import OVERRIDES, due_invoice
from tests.web.test_browser import browser, login, new_page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with staffed_panel(tmp_path_factory.mktemp("sepa") / "data", OVERRIDES) as lv:
        yield lv


def test_a_manager_makes_the_collection_file(browser: Any, live: Live) -> None:  # noqa: F811
    inv = due_invoice(live.box)
    page = new_page(browser)
    login(page, live, "max")
    page.get_by_role("link", name="SEPA", exact=True).click()
    expect(page.locator("h1")).to_have_text("SEPA-Lastschrift")
    row = page.locator(f'#sp-debits tr[data-invoice="{inv["number"]}"]')
    expect(row).to_contain_text("FRST")
    expect(row).to_contain_text("119,00")
    expect(row).to_contain_text("OK")
    for size in SIZES:
        width, height = SIZES[size]
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"sepa-next-file-{size}", full_page=True)
    page.get_by_role("button", name="Datei erstellen").click()
    expect(page.locator("p.flash.ok")).to_contain_text("Die Datei wurde erstellt.")
    expect(page.locator("#sp-collections tbody tr")).to_have_count(1)
    expect(page.locator("#sp-states")).to_contain_text("unterwegs: 1")
    shot(page, "sepa-file-desktop", full_page=True)
    page.context.close()
