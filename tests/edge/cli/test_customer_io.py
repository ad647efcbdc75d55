"""``tilledge customers export`` / ``import`` through the real CLI."""

from __future__ import annotations

import json

import openpyxl
from click.testing import CliRunner

from edge.cli import cli


def run(*args):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


def test_export_then_import_round_trip(tmp_path):  # type: ignore[no-untyped-def]
    d = tmp_path / "demo"
    assert run("demo", "--dir", str(d), "--customers", "5", "--json").exit_code == 0
    cfg = str(d / "tilledge.toml")
    out = tmp_path / "k.xlsx"
    r = run("--config", cfg, "customers", "export", "--out", str(out), "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["rows"] == 5 and doc["format"] == "xlsx"
    sheet = openpyxl.load_workbook(out, read_only=True).active
    assert next(sheet.iter_rows(values_only=True))[0] == "Kundennummer"
    r = run("--config", cfg, "customers", "import", str(out), "--dry-run")
    assert r.exit_code == 0, r.output
    assert (
        r.stdout.strip().splitlines()[-1].startswith("dry run: 0 created, 0 updated, 5 unchanged")
    )


def test_import_refusals_exit_1_with_a_report(tmp_path):  # type: ignore[no-untyped-def]
    d = tmp_path / "demo"
    assert run("demo", "--dir", str(d), "--customers", "0", "--json").exit_code == 0
    cfg = str(d / "tilledge.toml")
    src = tmp_path / "in.csv"
    src.write_text("Kd;Nachname;Mail\n900001;Ok;ok@example.com\n900002;;bad\n", encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[columns]\nKd = "customer_number"\nNachname = "last_name"\nMail = "email"\n'
    )
    report = tmp_path / "r.csv"
    r = run("--config", cfg, "customers", "import", str(src), "--mapping", str(mapping),
            "--report", str(report))  # fmt: skip
    assert r.exit_code == 1, r.output
    assert "row 3: refused: email:" in r.stdout
    assert (
        r.stdout.strip().splitlines()[-1]
        == "1 created, 0 updated, 0 unchanged, 1 refused, 0 duplicate"
    )
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "row;outcome;customer_number;errors;duplicate_of"
    assert lines[1].startswith("2;created;900001")
    r = run("--config", cfg, "customers", "import", str(src), "--mapping", str(mapping), "--json")
    assert json.loads(r.stdout)["counts"]["unchanged"] == 1
