"""Writing an export: XLSX below :data:`ZIP_FROM` customers, else a ZIP of two
CSV files (UTF-8 with BOM, ``;``): the customers and the filter settings.

Both writers stream: xlsxwriter in ``constant_memory`` mode flushes each row
as it is written, the CSV goes row by row into the ZIP member. Every text
cell is written with ``write_string`` (never ``write()``, which would turn
``=…`` into a formula, ``01067`` into 1067 and a homepage into a link); in
the CSV a value that a spreadsheet would read as a formula gets a leading
``'`` (OWASP's CSV-injection advice), which the import takes off again.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import xlsxwriter

from edge.customers.io import source
from edge.customers.io.columns import COLUMNS, Column, headers, join_street
from edge.customers.io.source import ExportFilters

#: From this many customers the export is the ZIP of two CSV files (§11).
ZIP_FROM = 100_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBERISH = set("0123456789 +-/().")
Format = Literal["xlsx", "zip", "auto"]
Progress = Callable[[int], None]  # rows written so far


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: Literal["xlsx", "zip"]
    rows: int

    @property
    def filename(self) -> str:
        return self.path.name


def value(col: Column, row: sqlite3.Row) -> Any:
    """The typed value of one cell: str, int, date, datetime, bool or None."""
    if col.kind == "street":
        return join_street(row["street"], row["house_number"]) or None
    raw = row[col.field]
    if raw is None:
        return None
    if col.kind == "bool":
        return bool(raw)
    if col.kind == "date":
        return date.fromisoformat(raw)
    if col.kind == "datetime":
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).replace(tzinfo=None)
    if col.kind == "int":
        return int(raw)
    return str(raw)


def csv_text(v: Any) -> str:
    """A cell as CSV text; what a spreadsheet would evaluate gets a leading '."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, datetime):
        return v.isoformat(sep=" ", timespec="seconds")
    if isinstance(v, date):
        return v.isoformat()
    text = str(v)
    if text.startswith(FORMULA_START) and not (text[0] in "+-" and set(text) <= _NUMBERISH):
        return "'" + text  # phone numbers like +49 89 1234567 stay as they are
    return text


def write_xlsx(path: Path, rows: Iterable[sqlite3.Row], lang: str, progress: Progress) -> int:
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "tmpdir": str(path.parent),
        },
    )
    ws = wb.add_worksheet()
    bold = wb.add_format({"bold": True})
    formats = {
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    for c, header in enumerate(headers(lang)):
        ws.write_string(0, c, header, bold)
    n = 0
    for n, row in enumerate(rows, 1):
        for c, col in enumerate(COLUMNS):
            v = value(col, row)
            if v is None:
                continue
            if col.kind == "bool":
                ws.write_boolean(n, c, v)
            elif col.kind == "int":
                ws.write_number(n, c, v)
            elif col.kind in formats:
                ws.write_datetime(n, c, v if col.kind == "datetime" else _midnight(v),
                                  formats[col.kind])  # fmt: skip
            else:
                ws.write_string(n, c, v)
        if n % source.BATCH == 0:
            progress(n)
    ws.autofilter(0, 0, max(n, 1), len(COLUMNS) - 1)
    wb.close()
    return n


def _midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def _csv_member(zf: zipfile.ZipFile, name: str) -> tuple[Any, Any]:
    raw = zf.open(name, "w", force_zip64=True)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    return text, csv.writer(text, delimiter=";", lineterminator="\r\n")


def write_zip(
    path: Path,
    rows: Iterable[sqlite3.Row],
    lang: str,
    settings: dict[str, Any],
    progress: Progress,
) -> int:
    stem = "kunden" if lang == "de" else "customers"
    n = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        text, out = _csv_member(zf, f"{stem}.csv")
        out.writerow(headers(lang))
        for n, row in enumerate(rows, 1):
            out.writerow([csv_text(value(col, row)) for col in COLUMNS])
            if n % source.BATCH == 0:
                progress(n)
        text.close()
        text, out = _csv_member(zf, "filter.csv" if lang == "de" else "filters.csv")
        out.writerow(["Einstellung", "Wert"] if lang == "de" else ["setting", "value"])
        for key, v in {**settings, "rows": n}.items():
            out.writerow([key, csv_text(v)])
        text.close()
    return n


def export_customers(
    conn: sqlite3.Connection,
    filters: ExportFilters,
    dest: Callable[[str], Path],
    *,
    lang: str,
    region: str,
    fmt: Format = "auto",
    zip_from: int = ZIP_FROM,
    progress: Progress = lambda n: None,
    exported_at: str = "",
) -> ExportResult:
    """Write the export; ``dest(suffix)`` gives the (new, private) file to write.

    ``conn`` should be a read connection in a snapshot, so count and rows agree.
    """
    if fmt == "auto":
        many = source.count(conn, filters, region=region, cap=zip_from) >= zip_from
        fmt = "zip" if many else "xlsx"
    rows = source.customers(conn, filters, region=region)
    path = dest(fmt)
    if fmt == "zip":
        settings = {**filters.settings(), "language": lang, "exported_at": exported_at}
        n = write_zip(path, rows, lang, settings, progress)
    else:
        n = write_xlsx(path, rows, lang, progress)
    progress(n)
    return ExportResult(path, fmt, n)
