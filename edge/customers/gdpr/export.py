"""The Art. 15/20 export of one customer: one ZIP with a JSON file per data
area, a CSV (UTF-8 with BOM, ``;``) next to each tabular one, the stored
invoice PDFs/XML, and a README.txt in the box's language. Written to a
temporary file row by row from the sections' cursors, so a customer with
100,000 journal entries costs the same memory as one with ten.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Any

from edge.customers.gdpr.areas import available
from edge.customers.gdpr.sections import Section
from edge.customers.history import log_change
from edge.customers.lookup import customer_row

MEDIA = "application/zip"

_README = {
    "de": (
        "Auskunft nach Art. 15 DSGVO / Datenübertragbarkeit nach Art. 20 DSGVO\n"
        "Kunde Nr. {number}, erstellt {at}.\n\n"
        "Jede Datei *.json enthält einen Bereich als JSON-Liste, *.csv dieselben Zeilen\n"
        "als Tabelle (UTF-8, Trennzeichen ;). Beträge sind ganze Cent (kleinste\n"
        "Währungseinheit), Zeitpunkte UTC (ISO 8601).\n\n"
    ),
    "en": (
        "Access under Art. 15 GDPR / data portability under Art. 20 GDPR\n"
        "Customer no. {number}, made {at}.\n\n"
        "Each *.json file holds one area as a JSON list, *.csv the same rows as a\n"
        "table (UTF-8, separated by ;). Amounts are whole minor units (cents),\n"
        "times are UTC (ISO 8601).\n\n"
    ),
}


def _write_json(zf: zipfile.ZipFile, section: Section, conn: sqlite3.Connection, cid: int) -> int:
    n = 0
    with zf.open(f"{section.name}.json", "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        out.write("[")
        for row in section.collect(conn, cid):
            out.write(",\n" if n else "\n")
            out.write(json.dumps(row, ensure_ascii=False, default=str))
            n += 1
        out.write("\n]\n")
        out.flush()
        out.detach()
    return n


def _csv_cell(value: Any) -> Any:
    # A spreadsheet must never read a value as a formula (BACKOFFICE §11).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _write_csv(zf: zipfile.ZipFile, section: Section, conn: sqlite3.Connection, cid: int) -> None:
    with zf.open(f"{section.name}.csv", "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer: csv.DictWriter[str] | None = None
        for row in section.collect(conn, cid):
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(row), delimiter=";")
                writer.writeheader()
            writer.writerow({k: _csv_cell(v) for k, v in row.items()})
        out.flush()
        out.detach()


def write_export(
    conn: sqlite3.Connection, cid: int, out: IO[bytes], *, language: str, at: str
) -> dict[str, int]:
    """Write the ZIP of customer ``cid`` to ``out``; returns rows per file."""
    number = customer_row(conn, cid, "customer_number")[0]
    counts: dict[str, int] = {}
    lang = language if language in _README else "en"
    files: list[str] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for section in available(conn):
            counts[section.name] = _write_json(zf, section, conn, cid)
            line = f"{section.name}.json"
            if section.tabular and counts[section.name]:
                _write_csv(zf, section, conn, cid)
                line += f", {section.name}.csv"
            files.append(f"{line}: {section.about.get(lang, section.name)}")
            for name, content in section.files(conn, cid) if section.files else ():
                zf.writestr(name, content)
                counts["files"] = counts.get("files", 0) + 1
        readme = _README[lang].format(number=number, at=at) + "\n".join(files) + "\n"
        zf.writestr("README.txt", readme)
    return counts


def export_file(
    conn: sqlite3.Connection, cid: int, directory: Path, *, language: str, at: str
) -> IO[bytes]:
    """The export as an unnamed temporary file in ``directory`` (gone when
    closed), positioned at its start for streaming. Give it a snapshot
    connection (``db.snapshot()``) so every file shows the same moment."""
    directory.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 (the caller closes it)
    try:
        write_export(conn, cid, tmp, language=language, at=at)
    except BaseException:
        tmp.close()
        raise
    tmp.seek(0)
    return tmp


def log_export(conn: sqlite3.Connection, cid: int, *, actor: str, now: str) -> None:
    """The history notes who exported when: no data."""
    log_change(conn, cid, actor, now, "gdpr_export", None, None)


def filename(number: int, day: str) -> str:
    return f"gdpr-customer-{number}-{day}.zip"
