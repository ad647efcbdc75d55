"""The customer's Documents tab: upload with the plain form (CSRF from the
multipart body), previews (an image as itself, a PDF's first page as a
cached PNG), download, delete with a confirmation by a manager; refusals in
German and English; nothing stored without the token."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from PIL import Image

from edge.platform.box import Box
from tests.support import documents as d
from tests.support.panel import HTTPS, Panel, make_customer


def send(panel: Panel, cid: int, data: bytes, name: str, *, token: str | None = None,
         title: str = "") -> Any:  # fmt: skip
    form = {
        "csrf_token": panel.token(f"/customers/{cid}?tab=documents") if token is None else token,
        "title": title,
        "file": (io.BytesIO(data), name),
    }
    return panel.client.post(f"/customers/{cid}/documents", data=form, base_url=HTTPS,
                             headers=panel.headers, content_type="multipart/form-data")  # fmt: skip


def blobs(box: Box) -> list[Path]:
    root = box.config.data_path / "documents"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def ids(html: str) -> list[str]:
    return re.findall(r'<tr id="doc-(\d+)"', html)


def test_upload_preview_download_delete(cashier: Panel, manager_panel: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    page = cashier.text(f"/customers/{cid}?tab=documents")
    assert "No documents yet." in page and "data-dropzone" in page
    assert 'enctype="multipart/form-data"' in page
    r = send(cashier, cid, d.pdf("Vertrag"), "Vertrag.pdf", title="Vertrag – Grüße")
    assert r.status_code == 302 and "tab=documents" in r.headers["Location"]
    r = send(cashier, cid, d.image("PNG", (64, 48)), "foto.png")
    page = cashier.text(f"/customers/{cid}?tab=documents")
    assert "Document saved." in page and "Vertrag – Grüße" in page and "foto" in page
    png_id, pdf_id = ids(page)

    img = cashier.get(f"/customers/{cid}/documents/{png_id}/preview")
    assert img.status_code == 200 and img.mimetype == "image/png"
    assert img.headers["X-Content-Type-Options"] == "nosniff"
    assert img.headers["Content-Disposition"].startswith("inline")
    first = cashier.get(f"/customers/{cid}/documents/{pdf_id}/preview")
    assert first.status_code == 200 and first.mimetype == "image/png"
    assert Image.open(io.BytesIO(first.data)).width == 800  # pdftoppm's page, scaled
    cached = list((staff.config.data_path / "previews").rglob("*.png"))
    assert len(cached) == 1
    assert cashier.get(f"/customers/{cid}/documents/{pdf_id}/preview").data == first.data

    got = cashier.get(f"/customers/{cid}/documents/{pdf_id}")
    assert got.mimetype == "application/pdf" and got.data.startswith(b"%PDF")
    assert got.headers["Content-Disposition"].startswith("attachment")

    # A cashier sees no delete; a manager must tick the confirmation.
    assert 'name="confirm"' not in page
    assert manager_panel.post(f"/customers/{cid}/documents/{pdf_id}/delete").status_code == 302
    assert pdf_id in ids(manager_panel.text(f"/customers/{cid}?tab=documents"))
    r = manager_panel.post(f"/customers/{cid}/documents/{pdf_id}/delete", {"confirm": "1"})
    assert r.status_code == 302
    page = manager_panel.text(f"/customers/{cid}?tab=documents")
    assert "Document deleted." in page and ids(page) == [png_id]
    assert len(blobs(staff)) == 1
    history = manager_panel.text(f"/customers/{cid}?tab=history")
    assert history.count("<td>Document</td>") == 3  # two uploads, one delete


def test_refusals_say_why_in_german_and_store_nothing(app, staff: Box) -> None:  # type: ignore[no-untyped-def]
    panel = Panel(app.test_client(), lang="de")
    panel.login("cara")
    cid = make_customer(staff)
    for data, name, words in (
        (d.EXE, "rechnung.pdf", "Nur PDF, DOCX, ODT, JPEG und PNG"),
        (d.docm(), "brief.docx", "Makros"),
        (d.pdf() + b"x" * (5 * 1024 * 1024), "gross.pdf", "größer als 5 MB"),
    ):
        r = send(panel, cid, data, name)
        assert r.status_code == 302
        assert words in panel.text(f"/customers/{cid}?tab=documents"), name
    assert blobs(staff) == []
    assert "Dokumente" in panel.text(f"/customers/{cid}")


def test_an_upload_without_the_token_stores_nothing(cashier: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    r = send(cashier, cid, d.pdf(), "x.pdf", token="forged")
    assert r.status_code == 400
    assert blobs(staff) == []
    assert staff.db.reader().execute("SELECT count(*) FROM customer_documents").fetchone()[0] == 0
