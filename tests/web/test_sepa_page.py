"""The SEPA page (managers): the next file's debits with their pre-flight
result, making the file once per form, downloading its XML, "bank confirmed"
and returns with a reason code; de and en; the mandate fields' help texts."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from edge.platform.box import Box
from edge.platform.config import Config, load_config
from edge.sepa import pain008
from tests.support.panel import Panel
from tests.web.sepa_setup import OVERRIDES, due_invoice, file_made_on, today
from web import msgids
from web import sepa as page

NS = {"p": pain008.NAMESPACE}


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(overrides={"box.data_dir": str(tmp_path / "data"), **OVERRIDES}, environ={})


def _nonce(html: str, form_id: str) -> str:
    form = html[html.index(f'id="{form_id}"') :]
    m = re.search(r'name="nonce" value="([^"]+)"', form)
    assert m
    return m.group(1)


def _files(box: Box) -> list[dict]:
    return [dict(r) for r in box.db.reader().execute("SELECT * FROM sepa_files ORDER BY id")]


def _make(panel: Panel) -> tuple[int, str]:
    html = panel.text("/sepa")
    r = panel.post("/sepa/files", {"nonce": _nonce(html, "form-sepa-file")}, token_from="/sepa")
    assert r.status_code == 302
    return r.status_code, r.headers["Location"]


def test_only_managers_see_the_page(cashier: Panel, manager_panel: Panel, staff: Box) -> None:
    assert cashier.get("/sepa").status_code == 403
    assert 'href="/sepa"' not in cashier.text("/")
    assert 'href="/sepa"' in manager_panel.text("/")


def test_the_next_file_and_making_it_once(manager_panel: Panel, staff: Box) -> None:
    inv = due_invoice(staff)
    html = manager_panel.text("/sepa")
    row = html[html.index(f'data-invoice="{inv["number"]}"') :].split("</tr>")[0]
    assert "FRST" in row and "ABO-1" in row and "OK" in row
    assert "1 debits, €119.00 in total." in html
    assert 'id="form-sepa-file"' in html and "No file made yet." in html

    form = {"nonce": _nonce(html, "form-sepa-file")}
    first = manager_panel.post("/sepa/files", form, token_from="/sepa")
    again = manager_panel.post("/sepa/files", form, token_from="/sepa")  # a double click
    assert first.status_code == again.status_code == 302
    (f,) = _files(staff)
    assert first.headers["Location"].endswith(f"/sepa/files/{f['id']}")
    state = staff.db.reader().execute("SELECT sepa_state FROM invoices WHERE id = ?", [inv["id"]])
    assert state.fetchone()[0] == "pending"

    detail = manager_panel.text(f"/sepa/files/{f['id']}")
    assert "The file was made." in detail and inv["number"] in detail
    xml = manager_panel.get(f"/sepa/files/{f['id']}/xml")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert f'filename="{f["message_id"]}.xml"' in xml.headers["Content-Disposition"]
    pain008.validate(xml.data)  # the offered file passes the XSD
    doc = etree.fromstring(xml.data)
    assert doc.xpath("//p:EndToEndId/text()", namespaces=NS) == [inv["number"]]
    assert doc.xpath("//p:GrpHdr/p:CtrlSum/text()", namespaces=NS) == ["119.00"]
    assert doc.xpath("//p:Dbtr/p:Nm/text()", namespaces=NS)[0].startswith("Joerg Mueller und")

    listing = manager_panel.text("/sepa")
    assert "No invoice is due for direct debit." in listing
    assert f["message_id"] in listing and "pending: 1" in listing


def test_a_preflight_failure_names_invoice_and_field(manager_panel: Panel, staff: Box) -> None:
    due_invoice(staff, ref="ABO-1")
    bad = due_invoice(staff, city="", ref="ABO-2")  # no town: the file needs one
    html = manager_panel.text("/sepa")
    row = html[html.index(f'data-invoice="{bad["number"]}"') :].split("</tr>")[0]
    assert "<code>debtor_address.town</code>: the town is missing" in row
    assert 'id="form-sepa-file"' not in html and 'id="sp-blocked"' in html
    # A form posted anyway (an old page) makes nothing and says why.
    r = manager_panel.post("/sepa/files", {"nonce": "old-page-1"}, token_from="/sepa")
    assert r.status_code == 302 and _files(staff) == []
    assert "The file was not made" in manager_panel.text("/sepa")


def test_bank_confirmed_then_a_return_revokes_the_mandate(manager_panel: Panel, staff: Box) -> None:
    # Invoiced 40 days ago, the file made 30 days ago: collected by now.
    inv = due_invoice(staff, days_ago=40)
    fid = file_made_on(staff, today(staff) - timedelta(days=30))
    detail = manager_panel.text(f"/sepa/files/{fid}")
    (coll,) = staff.db.reader().execute("SELECT * FROM sepa_collections").fetchall()
    too_early = {"on": inv["issue_date"], "nonce": _nonce(detail, "form-sepa-confirm")}
    manager_panel.post(f"/sepa/files/{fid}/confirm", too_early, token_from=f"/sepa/files/{fid}")
    assert "Nothing to confirm yet: the first collection date is" in manager_panel.text(
        f"/sepa/files/{fid}"
    )
    assert staff.db.reader().execute("SELECT state FROM sepa_collections").fetchone()[0] == (
        "pending"
    )
    on = {"on": today(staff).isoformat(), "nonce": _nonce(detail, "form-sepa-confirm") + "x"}
    r = manager_panel.post(f"/sepa/files/{fid}/confirm", on, token_from=f"/sepa/files/{fid}")
    assert r.status_code == 302
    detail = manager_panel.text(f"/sepa/files/{fid}")
    assert "Booked as collected: 1. Still pending: 0." in detail
    paid = staff.db.reader().execute("SELECT state FROM invoices WHERE id = ?", [inv["id"]])
    assert paid.fetchone()[0] == "paid"

    form_id = f"form-return-{coll['id']}"
    bad = {"reason": "XX99", "nonce": _nonce(detail, form_id)}
    manager_panel.post(
        f"/sepa/collections/{coll['id']}/return", bad, token_from=f"/sepa/files/{fid}"
    )
    assert "Please choose a reason code." in manager_panel.text(f"/sepa/files/{fid}")
    md01 = {"reason": "MD01", "nonce": _nonce(detail, form_id) + "y"}
    r = manager_panel.post(
        f"/sepa/collections/{coll['id']}/return", md01, token_from=f"/sepa/files/{fid}"
    )
    assert r.status_code == 302
    detail = manager_panel.text(f"/sepa/files/{fid}")
    assert "Return MD01 recorded; the invoice is open again and the mandate is revoked." in detail
    assert f'id="{form_id}"' not in detail  # returned: no second return
    db = staff.db.reader()
    assert db.execute("SELECT state FROM invoices WHERE id = ?", [inv["id"]]).fetchone()[0] in (
        "open", "partly_paid",
    )  # fmt: skip
    assert db.execute("SELECT status FROM sepa_mandates").fetchone()[0] == "revoked"


def test_posts_need_the_csrf_token(manager_panel: Panel, staff: Box) -> None:
    due_invoice(staff)
    r = manager_panel.client.post("/sepa/files", data={"nonce": "n1"})
    assert r.status_code in (400, 403) and _files(staff) == []


def test_german(staff: Box, app) -> None:  # type: ignore[no-untyped-def]
    due_invoice(staff)
    de = Panel(app.test_client(), lang="de")
    de.login("max")
    html = de.text("/sepa")
    assert "SEPA-Lastschrift" in html and "Datei erstellen" in html and "Gläubiger-ID" in html
    assert "1 Lastschriften, zusammen 119,00" in html.replace("\u00a0", " ")


def test_mandate_fields_have_help_texts(manager_panel: Panel, staff: Box) -> None:
    assert manager_panel.post("/prefs", {"mode": "expert", "next": "/"}).status_code == 302
    html = manager_panel.text("/customers/new")
    for field in ("IBAN", "BIC", "SEPA mandate reference", "SEPA mandate date"):
        assert f'aria-label="Help: {field}"' in html, field
    assert "a mandate unused for 36 months expires" in html


def test_the_run_time_ids_are_listed() -> None:
    listed = set(msgids.MSGIDS)
    assert {f"sp_state_{s}" for s in page.STATES} <= listed
    assert {f"sp_reason_{r}" for r in page.RETURN_REASONS} <= listed
