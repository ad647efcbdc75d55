"""GDPR on the customer page: managers get the export ZIP and the erasure,
which needs the customer number typed; a wrong number or an open balance
erases nothing; de and en."""

from __future__ import annotations

import io
import zipfile

from edge.platform.box import Box
from tests.support.panel import Panel, make_customer


def record(box: Box, cid: int) -> dict[str, object]:
    row = box.db.reader().execute("SELECT * FROM customers WHERE id = ?", [cid]).fetchone()
    return dict(row)


def test_managers_see_both_buttons_cashiers_neither(
    manager_panel: Panel, cashier: Panel, staff: Box
) -> None:
    cid = make_customer(staff, last_name="Zwirbel")
    html = manager_panel.text(f"/customers/{cid}")
    assert 'id="gdpr-export"' in html and 'id="gdpr-erase"' in html
    html = cashier.text(f"/customers/{cid}")
    assert 'id="gdpr-export"' not in html and 'id="gdpr-erase"' not in html
    assert cashier.get(f"/customers/{cid}/gdpr-export").status_code in (302, 403)
    assert cashier.get(f"/customers/{cid}/erase").status_code in (302, 403)


def test_the_export_button_downloads_the_zip(manager_panel: Panel, staff: Box) -> None:
    cid = make_customer(staff, last_name="Zwirbel")
    resp = manager_panel.get(f"/customers/{cid}/gdpr-export")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(resp.data))
    assert "customer.json" in z.namelist() and "Auskunft" in z.read("README.txt").decode()
    assert "<td>GDPR export</td>" in manager_panel.text(f"/customers/{cid}?tab=history")


def test_a_wrong_number_erases_nothing(manager_panel: Panel, staff: Box) -> None:
    cid = make_customer(staff, last_name="Zwirbel")
    number = record(staff, cid)["customer_number"]
    page = f"/customers/{cid}/erase"
    assert f"type the customer number {number}" in manager_panel.text(page)
    resp = manager_panel.post(page, {"number": str(int(number) + 1)}, token_from=page)
    assert resp.status_code == 422
    assert "not this customer&#39;s number" in resp.get_data(as_text=True)
    assert record(staff, cid)["last_name"] == "Zwirbel"


def test_the_right_number_erases(manager_panel: Panel, staff: Box) -> None:
    cid = make_customer(staff, last_name="Zwirbel", email="z@example.org")
    number = record(staff, cid)["customer_number"]
    page = f"/customers/{cid}/erase"
    resp = manager_panel.post(page, {"number": f" {number} "}, token_from=page)
    assert resp.status_code == 302
    after = record(staff, cid)
    assert str(after["last_name"]).startswith("Gelöscht ") and after["email"] is None
    html = manager_panel.text(f"/customers/{cid}")
    assert "GDPR erased" in html and 'id="gdpr-erase"' not in html
    # Done is done: the page leads back to the record.
    assert manager_panel.get(page).status_code == 302


def test_an_open_balance_shows_the_reason_and_refuses(manager_panel: Panel, staff: Box) -> None:
    cid = make_customer(staff, last_name="Zwirbel")
    staff.db.write(
        lambda c: c.execute("INSERT INTO balances (customer_id, points) VALUES (?, 5)", [cid])
    )
    number = record(staff, cid)["customer_number"]
    page = f"/customers/{cid}/erase"
    html = manager_panel.text(page)
    assert "The customer has points" in html and 'name="number"' not in html
    resp = manager_panel.post(page, {"number": str(number)}, token_from=f"/customers/{cid}")
    assert resp.status_code == 409
    assert record(staff, cid)["last_name"] == "Zwirbel"


def test_the_confirmation_in_german(app, staff: Box) -> None:  # type: ignore[no-untyped-def]
    p = Panel(app.test_client(), lang="de")
    p.login("max")
    cid = make_customer(staff, last_name="Zwirbel")
    html = p.text(f"/customers/{cid}/erase")
    assert "Kundennummer" in html and "Endgültig löschen" in html
    assert "DSGVO-Auskunft" in p.text(f"/customers/{cid}")
