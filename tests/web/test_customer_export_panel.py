"""The customer list's Export button: carries the list's filters, shows
progress, offers the file; managers only; de and en."""

from __future__ import annotations

import io
import time

import openpyxl

from edge.platform.box import Box
from tests.support.panel import Panel, make_customer


def test_export_button_carries_the_filters_and_the_file_downloads(
    manager_panel: Panel, cashier: Panel, staff: Box
) -> None:
    make_customer(staff, last_name="Firma", type="business", company_name="Firma GmbH")
    make_customer(staff, last_name="Person")
    html = manager_panel.text("/customers?type=business&status=active")
    assert 'id="customer-export"' in html and 'name="type" value="business"' in html
    assert ">Export<" in html
    resp = manager_panel.post(
        "/customers/export", {"type": "business", "status": "active", "q": "", "group": ""},
        token_from="/customers",
    )  # fmt: skip
    assert resp.status_code == 302
    page = resp.headers["Location"]
    for _ in range(200):
        html = manager_panel.text(page)
        if 'data-state="running"' not in html:
            break
        time.sleep(0.05)
    assert 'data-state="done"' in html and "Download:" in html
    file = manager_panel.get(page + "/file")
    assert file.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(file.data), read_only=True).active.iter_rows(
        values_only=True))  # fmt: skip
    assert len(rows) == 2 and rows[0][0] == "Kundennummer"  # header in the box language
    assert cashier.post("/customers/export", {}, token_from="/customers").status_code in (302, 403)
    assert cashier.get(page).status_code in (302, 403)
