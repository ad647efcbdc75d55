"""The customer list's Import page: upload (CSV/XLSX, streamed into the data
directory with a cap), the dry run's per-row report (counts, filter,
downloads), "Import now" writing exactly what the dry run showed, and bad
files refused with clear messages, never a 500; managers only; de and en."""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from edge.customers.io.import_rows import OUTCOMES
from edge.customers.io.imports import DELIMITERS, imports_dir
from edge.platform.box import Box
from edge.platform.config import Config, load_config
from tests.support.panel import HTTPS, Panel, make_customer
from web import msgids

HEAD = ["Kundennummer", "Vorname", "Name", "PLZ", "Ort", "E-Mail"]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    overrides = {"box.data_dir": str(tmp_path / "data"), "customers.import_max_mb": 1}
    return load_config(overrides=overrides, environ={})


def csv_bytes(
    rows: list[list[str]], *, encoding: str = "utf-8-sig", head: list[str] = HEAD
) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(head)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def upload(panel: Panel, content: bytes, name: str = "kunden.csv", **fields: str) -> Any:
    form = {"csrf_token": panel.token("/customers/import"), **fields,
            "file": (io.BytesIO(content), name)}  # fmt: skip
    return panel.client.post("/customers/import", data=form, base_url=HTTPS,
                             headers=panel.headers, content_type="multipart/form-data")  # fmt: skip


def settled(panel: Panel, page: str, **args: str) -> str:
    for _ in range(400):
        html = panel.text(
            page + ("?" + "&".join(f"{k}={v}" for k, v in args.items()) if args else "")
        )
        if 'data-phase="checking"' not in html and 'data-phase="importing"' not in html:
            return html
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def numbers(box: Box) -> dict[int, tuple[str, str]]:
    rows = box.db.reader().execute("SELECT customer_number, last_name, city FROM customers")
    return {r[0]: (r[1], r[2]) for r in rows}


def stored(box: Box) -> list[str]:
    return sorted(p.name for p in imports_dir(box).iterdir())


def test_dry_run_report_then_import_now_writes_exactly_that(
    manager_panel: Panel, staff: Box
) -> None:
    make_customer(staff, customer_number=40001, last_name="Alt", city="Bonn")
    make_customer(staff, last_name="Doppelt", email="dup@example.org")
    rows = [
        ["40001", "Anna", "Alt", "53111", "Köln", ""],  # updated: another city
        ["", "Bea", "Neu", "10115", "Berlin", "bea@example.org"],  # created
        ["40003", "Carl", "", "80331", "München", ""],  # refused: no last name
        ["", "Dora", "Doppelt", "", "", "dup@example.org"],  # duplicate candidate
    ]
    resp = upload(manager_panel, csv_bytes(rows), "Kunden März.csv")
    assert resp.status_code == 302
    page = resp.headers["Location"]
    html = settled(manager_panel, page)
    assert 'data-phase="checked"' in html and 'id="import-now"' in html
    assert "Kunden März.csv" in html
    before = numbers(staff)
    assert before[40001] == ("Alt", "Bonn")  # a dry run writes nothing
    counts = dict(zip(OUTCOMES, (1, 1, 0, 1, 1), strict=True))
    for outcome, n in counts.items():
        shown = rf'data-outcome="{outcome}"[^>]*>{outcome} \(<span class="count">{n}</span>\)'
        assert re.search(shown, html), outcome
    refused = manager_panel.text(page + "?outcome=refused")
    assert refused.count('<tr data-outcome="refused">') == 1 and "<td>4</td>" in refused
    assert "<code>last_name</code>" in refused and '<tr data-outcome="created">' not in refused
    dup = manager_panel.text(page + "?outcome=duplicate")
    doppelt = str(next(n for n, v in before.items() if v[0] == "Doppelt"))
    assert f"<td>{doppelt}</td>" in dup  # the candidate's customer number
    report = manager_panel.get(page + "/report.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    lines = list(
        csv.reader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert lines[0][:2] == ["row", "outcome"]
    assert [(x[0], x[1]) for x in lines[1:]] == [
        ("2", "updated"), ("3", "created"), ("4", "refused"), ("5", "duplicate"),
    ]  # fmt: skip
    xlsx = manager_panel.get(page + "/report.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data), read_only=True).active
    assert [r[1] for r in sheet.iter_rows(values_only=True)][1:] == [x[1] for x in lines[1:]]

    resp = manager_panel.post(page + "/confirm", token_from=page)
    assert resp.status_code == 302
    html = settled(manager_panel, page)
    assert 'id="import-done"' in html and 'id="import-changed"' not in html
    after = numbers(staff)
    assert after[40001] == ("Alt", "Köln")
    assert len(after) == len(before) + 1 and ("Neu", "Berlin") in after.values()
    history = staff.db.reader().execute(
        "SELECT actor FROM customer_history WHERE customer_id IN"
        " (SELECT id FROM customers WHERE customer_number = 40001 OR last_name = 'Neu')"
    )
    actors = {r[0] for r in history}
    assert actors == {"test", "import Kunden März.csv"}  # "test" created 40001
    neu = staff.db.reader().execute("SELECT created_by FROM customers WHERE last_name = 'Neu'")
    assert neu.fetchone()[0] == "import Kunden März.csv"
    again = manager_panel.post(page + "/confirm", token_from=page)
    assert again.status_code == 409 and "not waiting" in again.get_data(as_text=True)


def test_a_row_that_changed_since_the_dry_run_is_reported_not_written(
    manager_panel: Panel, staff: Box
) -> None:
    rows = [["50000", "Eva", "Import", "50667", "Köln", ""],
            ["50001", "Fritz", "Import", "50667", "Köln", ""]]  # fmt: skip
    resp = upload(manager_panel, csv_bytes(rows))
    page = resp.headers["Location"]
    settled(manager_panel, page)
    make_customer(staff, customer_number=50000, last_name="Zwischendurch", city="Bonn")
    manager_panel.post(page + "/confirm", token_from=page)
    html = settled(manager_panel, page)
    assert 'id="import-changed"' in html and "1 row(s)" in html
    assert "the dry run said created, now updated: not imported" in html
    after = numbers(staff)
    assert after[50000] == ("Zwischendurch", "Bonn") and after[50001] == ("Import", "Köln")


def _refused(panel: Panel, content: bytes, name: str = "kunden.csv", **fields: str) -> str:
    resp = upload(panel, content, name, **fields)
    assert resp.status_code in (413, 422), resp.status_code
    return str(resp.get_data(as_text=True))


def test_bad_files_are_refused_with_clear_messages_and_nothing_stored(
    manager_panel: Panel, staff: Box
) -> None:
    cp1252 = csv_bytes([["1", "Jörg", "Müller", "", "Köln", ""]], encoding="cp1252")
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("readme.txt", "hello")
    cases = {
        b"": "The file is empty.",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00": "This is not a CSV or XLSX file.",
        other_zip.getvalue(): "This is not an XLSX workbook.",
        b"foo;bar\n1;2\n": "No column the import knows (the file&#39;s headers: foo, bar).",
        b"x" * (1024 * 1024 + 1): "The file is larger than 1 MB.",
    }
    for content, message in cases.items():
        assert message in _refused(manager_panel, content), message
    html = _refused(manager_panel, cp1252, encoding="utf-8")
    assert "The file is not utf-8 text (byte" in html
    assert "Choose a file." in _refused(manager_panel, b"", name="")
    assert "Choose one of the listed values." in _refused(manager_panel, cp1252, delimiter="§")
    assert stored(staff) == []  # nothing refused stays in <data_dir>/imports
    # Sniffed, the same cp1252 file is fine; it is kept private.
    resp = upload(manager_panel, cp1252)
    assert resp.status_code == 302
    assert [p.stat().st_mode & 0o777 for p in imports_dir(staff).iterdir()] == [0o600]


def test_a_body_announced_too_large_is_refused_before_it_is_read(
    manager_panel: Panel, staff: Box
) -> None:
    token = manager_panel.token("/customers/import")
    body = b"x" * 100
    environ = {"CONTENT_LENGTH": str(2 * 1024 * 1024),
               "CONTENT_TYPE": "multipart/form-data; boundary=zzz"}  # fmt: skip
    resp = manager_panel.client.post(f"/customers/import?csrf_token={token}", data=body,
                                     base_url=HTTPS, headers=manager_panel.headers,
                                     environ_overrides=environ)  # fmt: skip
    assert resp.status_code == 413
    assert "The file is larger than 1 MB." in resp.get_data(as_text=True)
    assert stored(staff) == []


def test_xlsx_upload_german_texts_and_managers_only(
    manager_panel: Panel, cashier: Panel, staff: Box
) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(HEAD)
    wb.active.append([60001, "Gül", "Yılmaz", "01067", "Dresden", None])
    buf = io.BytesIO()
    wb.save(buf)
    german = Panel(manager_panel.client, "de")
    resp = upload(german, buf.getvalue(), "kunden.xlsx")
    html = settled(german, resp.headers["Location"])
    assert "Probelauf fertig" in html and "Jetzt importieren" in html and "angelegt" in html
    assert "Die Datei ist leer." in _refused(german, b"")
    listing = german.text("/customers")
    assert 'id="customer-import-link"' in listing and ">Importieren<" in listing
    assert 'id="customer-import-link"' not in cashier.text("/customers")
    assert cashier.get("/customers/import").status_code in (302, 403)
    assert cashier.get(resp.headers["Location"]).status_code in (302, 403)


def test_the_built_message_ids_are_listed() -> None:
    listed = {m for m in msgids.MSGIDS if m.startswith("imp_")}
    assert {f"imp_out_{o}" for o in OUTCOMES} <= listed
    assert {f"imp_delim_{d}" for d in DELIMITERS} <= listed
