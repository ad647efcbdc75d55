"""Customer export (BACKOFFICE §11): columns, types, no formulas, the ZIP switch,
files kept private and cleaned up. Files are read back by independent readers
(openpyxl, csv, zipfile)."""

from __future__ import annotations

import csv
import io
import os
import time
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from edge.customers.io import exports
from edge.customers.io.columns import COLUMNS
from edge.customers.io.exports import export_jobs
from edge.customers.io.source import ExportFilters

HEADERS_DE = [
    "Kundennummer", "Titel", "Vorname", "Name", "Alias", "Geschlecht", "Geburtsdatum",
    "Straße/Nr.", "PLZ", "Ort", "c/o", "Postfach", "Land", "Telefon privat",
    "Telefon geschäftlich", "Mobiltelefon", "Fax", "E-Mail", "Homepage", "IBAN", "BIC",
    "Institut", "Rabatt", "Preisstufe", "Verlustgrund", "Zahlungsart", "Zahlungsziel",
    "Kunde angelegt", "Kunde zuletzt geändert", "Favorit", "Kunde gesperrt",
]  # fmt: skip
HEADERS_EN = [
    "customer number", "title", "first name", "name", "alias", "gender", "date of birth",
    "street/no.", "postcode", "place", "c/o", "PO box", "country", "telephone private",
    "business telephone", "mobile phone", "fax", "email", "homepage", "IBAN", "BIC",
    "institute", "rebate", "price level", "reason for loss", "method of payment",
    "term of payment", "customer created", "client last changed", "favourite",
    "locked customer",
]  # fmt: skip


def _export(box, fmt="auto", zip_from=100_000, **filters):  # type: ignore[no-untyped-def]
    job = export_jobs(box).run(ExportFilters(**filters), actor="test", fmt=fmt, zip_from=zip_from)
    assert job.state == "done", job.error
    return job


def _sheet(path):  # type: ignore[no-untyped-def]
    wb = openpyxl.load_workbook(path, read_only=True)
    return list(wb.active.iter_rows())


@pytest.fixture
def tricky(mk):  # type: ignore[no-untyped-def]
    return mk(
        last_name='=HYPERLINK("http://evil.example","click")',
        first_name="+cmd",
        postal_code="01067",
        city="Dresden",
        street="Hauptstr.",
        house_number="5a",
        phone="0351 1234567",
        iban="DE89 3704 0044 0532 0130 00",
        date_of_birth="1980-02-29",
        homepage="example.com",
        discount_percent=5,
        favourite=True,
    )


def test_xlsx_has_the_exact_columns_types_and_no_formula(box, tricky):  # type: ignore[no-untyped-def]
    assert len(COLUMNS) == 31
    job = _export(box)
    assert job.format == "xlsx" and job.rows == 1
    rows = _sheet(job.path)
    assert [c.value for c in rows[0]] == HEADERS_DE
    cells = dict(zip(HEADERS_DE, rows[1], strict=False))
    name = cells["Name"]
    assert name.data_type == "s" and name.value.startswith("=HYPERLINK(")
    assert cells["Vorname"].data_type == "s" and cells["Vorname"].value == "+cmd"
    assert cells["PLZ"].value == "01067" and cells["PLZ"].data_type == "s"
    assert cells["Telefon privat"].value == "+493511234567"
    assert cells["IBAN"].value == "DE89370400440532013000"
    assert cells["IBAN"].data_type == "s"
    assert cells["Geburtsdatum"].value == datetime(1980, 2, 29)
    assert cells["Geburtsdatum"].is_date
    assert isinstance(cells["Kunde angelegt"].value, datetime)
    assert cells["Straße/Nr."].value == "Hauptstr. 5a"
    assert cells["Rabatt"].value == 5
    assert cells["Favorit"].value is True and cells["Kunde gesperrt"].value is False
    assert cells["Homepage"].value == "https://example.com"
    assert cells["Kundennummer"].value == tricky["customer_number"]


def test_headers_follow_the_box_language(tmp_path, mk):  # type: ignore[no-untyped-def]
    from edge import create_app
    from edge.platform.config import load_config

    config = load_config(
        overrides={"box.data_dir": str(tmp_path / "en"), "devices.language": "en"}, environ={}
    )
    app = create_app(config)
    box = app.extensions["tilledge"]
    try:
        job = _export(box)
        assert [c.value for c in _sheet(job.path)[0]] == HEADERS_EN
    finally:
        box.close()


def test_zip_from_the_threshold_with_two_csv_files(box, mk, tricky):  # type: ignore[no-untyped-def]
    mk(last_name="Zweite", postal_code="04109")
    assert _export(box, zip_from=3).format == "xlsx"  # 2 < 3
    job = _export(box, zip_from=2)
    assert job.format == "zip" and job.path.suffix == ".zip"
    with zipfile.ZipFile(job.path) as zf:
        assert zf.namelist() == ["kunden.csv", "filter.csv"]
        raw = zf.read("kunden.csv")
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        settings = dict(csv.reader(io.StringIO(zf.read("filter.csv").decode("utf-8-sig")),
                                   delimiter=";"))  # fmt: skip
    assert rows[0] == HEADERS_DE and len(rows) == 3
    first = dict(zip(HEADERS_DE, rows[1], strict=True))
    assert first["PLZ"] == "01067"
    assert first["Name"].startswith("'=HYPERLINK(")  # a spreadsheet shows it as text
    assert first["Vorname"] == "'+cmd"
    assert first["Telefon privat"] == "+493511234567"  # a phone number is left alone
    assert first["Geburtsdatum"] == "1980-02-29"
    assert settings["rows"] == "2" and settings["status"] == ""


def test_filters_apply_like_the_customer_list(box, mk, manager):  # type: ignore[no-untyped-def]
    mk(last_name="Aktiv", email="a@example.com")
    gone = mk(last_name="Weg")
    mk(type="business", company_name="Firma GmbH", last_name=None)
    assert manager.delete(f"/customers/{gone['id']}").status_code == 200
    names = lambda job: [r[3].value for r in _sheet(job.path)[1:]]  # noqa: E731
    assert sorted(names(_export(box, status="active", type="individual"))) == ["Aktiv"]
    assert names(_export(box, status="inactive")) == ["Weg"]
    assert names(_export(box, search="akt")) == ["Aktiv"]
    assert len(names(_export(box, type="business"))) == 1


def test_files_are_private_and_cleaned_up(box, mk):  # type: ignore[no-untyped-def]
    mk()
    job = _export(box)
    assert job.path.parent == box.config.data_path / "exports"
    assert os.stat(job.path).st_mode & 0o777 == 0o600
    old = time.time() - 25 * 3600
    os.utime(job.path, (old, old))
    newer = _export(box)  # the next export cleans up what is past keep_hours
    assert not job.path.exists() and newer.path.exists()
    assert exports.cleanup(newer.path.parent, 3600, now=time.time() + 7200) == 1
    with pytest.raises(Exception, match="no export"):
        export_jobs(box).get(newer.id)


def test_the_date_cell_type_is_a_date(box, mk):  # type: ignore[no-untyped-def]
    mk(date_of_birth="2001-01-01")
    cell = _sheet(_export(box).path)[1][6]
    assert cell.is_date and cell.value.date() == date(2001, 1, 1)


def _rows(n):  # type: ignore[no-untyped-def]
    """Generated rows, one at a time (dicts read like sqlite3.Row here)."""
    from edge.customers.io.columns import COLUMNS

    for i in range(n):
        row = {c.field: None for c in COLUMNS}
        row.update(customer_number=10000 + i, last_name=f"Name{i}", first_name="Eva",
                   street="Hauptstraße", house_number=str(i % 180), postal_code="01067",
                   email=f"eva{i}@example.org", created_at="2026-01-02T03:04:05Z",
                   updated_at="2026-01-02T03:04:05Z", favourite=0, blocked=0)  # fmt: skip
        yield row


@pytest.mark.parametrize("kind", ["zip", "xlsx"])
def test_the_writers_memory_does_not_grow_with_the_row_count(tmp_path, kind):  # type: ignore[no-untyped-def]
    """tracemalloc's peak for 20,000 rows within 2× that of 2,000 (not a timing)."""
    import tracemalloc

    from edge.customers.io.export import write_xlsx, write_zip

    def peak(n: int) -> int:
        path = tmp_path / f"{n}.{kind}"
        tracemalloc.start()
        try:
            if kind == "zip":
                write_zip(path, _rows(n), "de", {}, lambda n: None)
            else:
                write_xlsx(path, _rows(n), "de", lambda n: None)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(2_000), peak(20_000)
    assert large < 2 * small, (small, large)
