"""The Documents tab in a real browser (Chromium via Playwright against the
live HTTPS panel): a PNG dropped onto the upload form (a real DataTransfer
drop event) and a PDF chosen in the file field are stored and shown with
previews (the PDF's first page rendered by pdftoppm); a manager deletes one
after ticking the confirmation; screenshots at both sizes."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support import documents as d
from tests.support.browser import SIZES, Live, shot
from tests.support.panel import make_customer
from tests.web.test_browser import browser, live, login, new_page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

DROP = """([form, b64]) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], "Ausweis.png", {type: "image/png"}));
  const opts = {dataTransfer: dt, bubbles: true, cancelable: true};
  form.dispatchEvent(new DragEvent("dragover", opts));
  form.dispatchEvent(new DragEvent("drop", opts));
}"""


def test_drop_choose_preview_and_delete(browser: Any, live: Live, tmp_path: Any) -> None:  # noqa: F811
    cid = make_customer(live.box, first_name="Doku", last_name="Mentenkundin")
    page = new_page(browser)
    login(page, live, "max")
    page.goto(live.url + f"/customers/{cid}")
    page.get_by_role("link", name="Dokumente").click()
    expect(page.get_by_text("Noch keine Dokumente.")).to_be_visible()

    form = page.locator("#doc-upload")
    png = base64.b64encode(d.image("PNG", (120, 90))).decode()
    with page.expect_navigation():
        page.evaluate(DROP, [form.element_handle(), png])
    expect(page.locator("p.flash.ok")).to_have_text("Dokument gespeichert.")

    pdf = tmp_path / "Mietvertrag.pdf"
    pdf.write_bytes(d.pdf("Mietvertrag", pages=2))
    page.get_by_label("Titel").fill("Mietvertrag – Laden Süd")
    page.get_by_label("Datei", exact=True).set_input_files(str(pdf))
    page.get_by_role("button", name="Hochladen").click()
    expect(page.locator("p.flash.ok")).to_have_text("Dokument gespeichert.")

    rows = page.locator("#documents tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Mietvertrag – Laden Süd")
    expect(rows.nth(1)).to_contain_text("Ausweis.png")
    thumbs = page.locator("img.doc-thumb")
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.doc-thumb')].every(i => i.complete)"
    )
    widths = thumbs.evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    assert widths == [800, 120]  # the PDF's first page, the PNG itself
    for size in SIZES:
        width, height = SIZES[size]
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"detail-documents-{size}", full_page=True)

    second = rows.nth(1)
    second.get_by_label("Wirklich löschen").check()
    second.get_by_role("button", name="Löschen").click()
    expect(page.locator("p.flash.ok")).to_have_text("Dokument gelöscht.")
    expect(rows).to_have_count(1)
    page.context.close()
