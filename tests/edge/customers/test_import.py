"""Customer import (BACKOFFICE §11): header mapping in both languages, sniffed
CSV, XLSX read back from an export, dry run = real run, refused rows with
field names, idempotent second run, nothing half-saved, history actor."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from edge.customers.io.exports import export_jobs
from edge.customers.io.import_rows import import_file
from edge.customers.io.source import ExportFilters

HEAD = ["Kundennummer", "Vorname", "Name", "PLZ", "E-Mail", "IBAN", "Straße/Nr.", "Rabatt"]
ROWS = [
    ["500001", "Anna", "Alt", "01067", "anna@example.com", "DE89370400440532013000", "Weg 1", "5"],
    ["500002", "Bernd", "", "04109", "bernd@example.com", "", "", ""],  # no last name
    ["500003", "Cora", "Neu", "10115", "not-an-email", "DE00123", "", "150"],
    ["500004", "Dora", "Gut", "80331", "dora@example.com", "", "Allee 7b", ""],
]


def _csv(path: Path, rows, *, delimiter=";", encoding="utf-8-sig", head=HEAD) -> Path:  # type: ignore[no-untyped-def]
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(head)
        w.writerows(rows)
    return path


def _run(box, path, dry_run):  # type: ignore[no-untyped-def]
    return [(r.row, r.outcome, r.customer_number, r.errors) for r in
            import_file(box, path, dry_run=dry_run)]  # fmt: skip


def _count(box) -> int:  # type: ignore[no-untyped-def]
    return box.db.reader().execute("SELECT count(*) FROM customers").fetchone()[0]


def test_dry_run_reports_every_row_and_the_real_run_does_exactly_that(box, tmp_path):  # type: ignore[no-untyped-def]
    f = _csv(tmp_path / "kunden.csv", ROWS)
    dry = _run(box, f, True)
    assert _count(box) == 0  # a dry run writes nothing
    assert [(r[0], r[1]) for r in dry] == [
        (2, "created"), (3, "refused"), (4, "refused"), (5, "created"),
    ]  # fmt: skip
    assert {e["field"] for e in dry[1][3]} == {"last_name"}
    assert {e["field"] for e in dry[2][3]} == {"discount_percent"}  # the model's check comes first
    real = _run(box, f, False)
    assert real == dry
    assert _count(box) == 2
    again = _run(box, f, False)
    assert [r[1] for r in again] == ["unchanged", "refused", "refused", "unchanged"]
    conn = box.db.reader()
    row = conn.execute("SELECT * FROM customers WHERE customer_number = 500001").fetchone()
    assert row["postal_code"] == "01067" and row["street"] == "Weg" and row["house_number"] == "1"
    assert row["discount_percent"] == 5 and row["created_by"] == "import kunden.csv"
    dora = conn.execute("SELECT * FROM customers WHERE customer_number = 500004").fetchone()
    assert (dora["street"], dora["house_number"]) == ("Allee", "7b")


def test_field_errors_after_normalisation_name_the_field(box, tmp_path):  # type: ignore[no-untyped-def]
    f = _csv(tmp_path / "x.csv", [["7", "A", "B", "1", "kein@", "DE00123", "", ""]])
    [(_, outcome, _, errors)] = _run(box, f, True)
    assert outcome == "refused"
    assert {e["field"] for e in errors} == {"email", "iban"}


def test_an_update_is_reported_and_kept_in_the_history(box, tmp_path, mk):  # type: ignore[no-untyped-def]
    c = mk(customer_number=600001, last_name="Alt", first_name="Eva")
    f = _csv(tmp_path / "upd.csv", [["600001", "Eva", "Neu", "", "", "", "", ""]])
    assert _run(box, f, True)[0][1] == "updated"
    assert _run(box, f, False)[0][1] == "updated"
    assert _run(box, f, False)[0][1] == "unchanged"
    hist = (
        box.db.reader()
        .execute(
            "SELECT * FROM customer_history WHERE customer_id = ? AND field = 'last_name'",
            [int(c["id"])],
        )
        .fetchall()
    )
    assert [h["actor"] for h in hist] == ["import upd.csv"] and "Neu" in hist[0]["new"]


def test_duplicates_are_reported_not_merged(box, tmp_path, mk):  # type: ignore[no-untyped-def]
    mk(customer_number=1, last_name="Da", email="same@example.com")
    f = _csv(tmp_path / "d.csv", [["2", "X", "Y", "", "same@example.com", "", "", ""]])
    [(_, outcome, _, _)] = _run(box, f, False)
    assert outcome == "duplicate" and _count(box) == 1


def test_a_row_failing_midway_leaves_nothing_half_saved(box, tmp_path):  # type: ignore[no-untyped-def]
    # The row is valid, but the write fails after the customer row was
    # inserted (at its phone index): the customer may not stay without it.
    box.db.write(lambda c: c.execute(
        "CREATE TRIGGER boom AFTER INSERT ON customer_phones BEGIN"
        " SELECT RAISE(ABORT, 'disk trouble'); END"))  # fmt: skip
    f = _csv(tmp_path / "p.csv", [["9", "Pia", "Phon", "", "", "", "0351 1234567", ""]],
             head=[*HEAD[:6], "Telefon privat", "Rabatt"])  # fmt: skip
    with pytest.raises(Exception, match="disk trouble"):
        list(import_file(box, f, dry_run=False))
    assert _count(box) == 0
    assert box.db.reader().execute("SELECT count(*) FROM customer_history").fetchone()[0] == 0


def test_csv_encoding_and_delimiter_are_sniffed(box, tmp_path):  # type: ignore[no-untyped-def]
    rows = [["700001", "Jürgen", "Müller", "01067", "", "", "Straße 3", ""]]
    f = _csv(tmp_path / "w.csv", rows, delimiter=",", encoding="cp1252")
    assert _run(box, f, False)[0][1] == "created"
    row = box.db.reader().execute("SELECT * FROM customers").fetchone()
    assert (row["first_name"], row["last_name"], row["street"]) == ("Jürgen", "Müller", "Straße")


def test_an_export_imports_again_unchanged(box, tmp_path, mk):  # type: ignore[no-untyped-def]
    mk(last_name="=HYPERLINK(1)", postal_code="01067", date_of_birth="1990-05-01",
       phone="0351 1234567", favourite=True)  # fmt: skip
    mk(last_name="Zwei", first_name="+x")
    for fmt in ("xlsx", "zip"):
        job = export_jobs(box).run(ExportFilters(), actor="t", fmt=fmt)
        path = job.path
        if fmt == "zip":
            import zipfile

            path = tmp_path / "kunden.csv"
            path.write_bytes(zipfile.ZipFile(job.path).read("kunden.csv"))
        assert [r[1] for r in _run(box, path, True)] == ["unchanged", "unchanged"], fmt
