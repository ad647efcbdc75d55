"""The customer's Delivery addresses tab (BACKOFFICE §11): listed with the
default marked and the geodata state; added, changed, pinned by hand, made
default and deleted with CSRF; field errors at their field; de and en."""

from __future__ import annotations

from edge.platform.box import Box
from tests.support.panel import Panel, make_customer

FORM = {"label": "Zuhause", "street": "Hauptstraße", "house_number": "5a",
        "postal_code": "80331", "city": "München", "country": "de"}  # fmt: skip


def _rows(box: Box) -> list[dict]:
    rows = box.db.reader().execute("SELECT * FROM delivery_addresses ORDER BY id")
    return [dict(r) for r in rows]


def _tab(cid: int) -> str:
    return f"/customers/{cid}?tab=addresses"


def test_add_change_pin_default_and_delete(cashier: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    tab = _tab(cid)
    page = cashier.text(tab)
    assert "No delivery addresses yet." in page and 'id="no-geocoder"' in page
    r = cashier.post(f"/customers/{cid}/addresses", FORM, token_from=tab)
    assert r.status_code == 302
    r = cashier.post(f"/customers/{cid}/addresses", {**FORM, "label": "Büro"}, token_from=tab)
    home, office = _rows(staff)
    assert (home["is_default"], office["is_default"], home["country"]) == (1, 0, "DE")
    page = cashier.text(tab)
    assert "Zuhause" in page and "Default" in page and "No geodata" in page
    # A pin with a German decimal comma; the text stays as it was.
    pinned = {**FORM, "latitude": "48,1374", "longitude": "11,5755"}
    r = cashier.post(f"/customers/{cid}/addresses/{home['id']}", pinned, token_from=tab)
    assert r.status_code == 302
    row = _rows(staff)[0]
    assert (row["latitude"], row["longitude"], row["geo_source"]) == (48.1374, 11.5755, "manual")
    page = cashier.text(tab)
    assert "Pinned by hand" in page and "openstreetmap.org/?mlat=48.1374&amp;mlon=11.5755" in page
    # Saving the form again with the pin unchanged keeps it.
    cashier.post(f"/customers/{cid}/addresses/{home['id']}", {**pinned, "city": "Freising"},
                 token_from=tab)  # fmt: skip
    row = _rows(staff)[0]
    assert (row["city"], row["geo_source"]) == ("Freising", "manual")
    cashier.post(f"/customers/{cid}/addresses/{office['id']}/default", token_from=tab)
    assert [r["is_default"] for r in _rows(staff)] == [0, 1]
    cashier.post(f"/customers/{cid}/addresses/{office['id']}/delete", token_from=tab)
    assert [(r["label"], r["is_default"]) for r in _rows(staff)] == [("Zuhause", 1)]
    history = cashier.text(f"/customers/{cid}?tab=history")
    assert "Delivery addresses" in history


def test_bad_fields_are_shown_at_their_field_and_nothing_is_saved(app, staff: Box) -> None:  # type: ignore[no-untyped-def]
    cid = make_customer(staff)
    panel = Panel(app.test_client(), lang="de")
    panel.login("cara")
    bad = {**FORM, "label": "", "country": "XX", "latitude": "48.1"}
    r = panel.post(f"/customers/{cid}/addresses", bad, token_from=_tab(cid))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="add-label-err"' in html and "Bitte eine Bezeichnung angeben." in html
    r = panel.post(f"/customers/{cid}/addresses", {**FORM, "country": "XX"}, token_from=_tab(cid))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="add-country-err"' in html
    r = panel.post(f"/customers/{cid}/addresses", {**FORM, "latitude": "48.1"},
                   token_from=_tab(cid))  # fmt: skip
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Breiten- und Längengrad nur zusammen angeben." in html
    r = panel.post(f"/customers/{cid}/addresses", {**FORM, "latitude": "99", "longitude": "1"},
                   token_from=_tab(cid))  # fmt: skip
    assert r.status_code == 422 and 'id="add-latitude-err"' in r.get_data(as_text=True)
    assert _rows(staff) == []
    assert "Lieferadressen" in panel.text(_tab(cid))


def test_forms_need_the_csrf_token(cashier: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    r = cashier.client.post(f"/customers/{cid}/addresses", data=FORM,
                            base_url="https://localhost")  # fmt: skip
    assert r.status_code in (400, 403)
    assert _rows(staff) == []


def test_another_customers_address_is_not_found(cashier: Panel, staff: Box) -> None:
    one, other = make_customer(staff), make_customer(staff, last_name="Andere")
    cashier.post(f"/customers/{one}/addresses", FORM, token_from=_tab(one))
    (row,) = _rows(staff)
    r = cashier.post(f"/customers/{other}/addresses/{row['id']}/delete", token_from=_tab(other))
    assert r.status_code == 404
    assert len(_rows(staff)) == 1


def test_the_purchases_tab_shows_where_a_sale_was_delivered(
    cashier: Panel, staff: Box, pos
) -> None:  # type: ignore[no-untyped-def]
    cid = make_customer(staff)
    address = pos.post(f"/customers/{cid}/addresses", FORM).get_json()
    line = {"quantity": "1", "unit_price": 500, "vat_rate_bp": 1900}
    r = pos.post("/checkouts", {"customer_id": str(cid), "lines": [line],
                                "tenders": [{"type": "cash", "amount": 500}],
                                "delivery_address_id": address["id"]})  # fmt: skip
    assert r.status_code == 201, r.get_json()
    page = cashier.text(f"/customers/{cid}?tab=purchases")
    assert "Delivered to Zuhause: Hauptstraße 5a, 80331 München, DE" in page
