"""The box check on the Devices & box page in a real browser (Chromium via
Playwright against the live HTTPS panel, German): the background doctor's
real checks on a fresh box (no backup yet: a warning with its fix), a
manager's "check now"; screenshots at both sizes in
test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from edge.doctor import background
from tests.support.browser import SIZES, Live, shot, staffed_panel
from tests.support.fakes import wait_until
from tests.web.test_browser import browser, login, new_page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with staffed_panel(tmp_path_factory.mktemp("doctor") / "data") as lv:
        doctor = background.attach(lv.box, interval=3600)
        wait_until(lambda: doctor.latest is not None)
        yield lv


def test_a_manager_reads_the_box_check_and_checks_now(browser: Any, live: Live) -> None:  # noqa: F811
    page = new_page(browser)
    login(page, live, "max")
    page.get_by_role("link", name="Geräte & Box").click()
    section = page.locator("#box-check")
    expect(section.locator("h2")).to_have_text("Box-Prüfung (tilledge doctor)")
    expect(section).to_contain_text("Gesamt: Warnung")
    backup = section.locator("tr.doctor-warn", has_text="backup")
    expect(backup).to_contain_text("Warnung")
    expect(backup).to_contain_text("Abhilfe:")
    expect(section.locator("tr.doctor-ok").first).to_contain_text("in Ordnung")
    for size in SIZES:
        width, height = SIZES[size]
        page.set_viewport_size({"width": width, "height": height})
        section.scroll_into_view_if_needed()
        shot(page, f"box-check-{size}")
        shot(page, f"devices-box-{size}", full_page=True)
    page.get_by_role("button", name="Jetzt prüfen").click()
    expect(page.locator("p.flash.ok")).to_contain_text("Die Box-Prüfung läuft")
    expect(page).to_have_url(live.url + "/devices#box-check")
    page.context.close()
