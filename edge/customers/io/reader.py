"""Reading an import file row by row: CSV (encoding and delimiter sniffed,
or given) or XLSX (openpyxl ``read_only``, streamed).

Yields ``(row_number, {header: value})`` with the file's own row numbers
(the header is row 1), so a report points at the line a person sees.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import openpyxl

SAMPLE = 64 * 1024
DELIMITERS = ";,\t|"
Row = tuple[int, dict[str, Any]]


def sniff_encoding(head: bytes) -> str:
    """BOM first; else UTF-8 if the sample decodes; else cp1252 (Excel's default)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3:  # not just a character cut at the sample's end
            return "cp1252"
    return "utf-8"


def sniff_delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = text.splitlines()[0] if text else ""
        return max(DELIMITERS, key=first.count)


def _csv_encoding(path: Path, encoding: str | None) -> str:
    with path.open("rb") as f:
        return encoding or sniff_encoding(f.read(SAMPLE))


def _csv_reader(f: TextIO, delimiter: str | None) -> Iterator[list[str]]:
    sample = f.read(SAMPLE)
    f.seek(0)
    return csv.reader(f, delimiter=delimiter or sniff_delimiter(sample))


def read_csv(path: Path, *, delimiter: str | None, encoding: str | None) -> Iterator[Row]:
    with path.open(encoding=_csv_encoding(path, encoding), newline="") as f:
        rows = _csv_reader(f, delimiter)
        header = next(rows, [])
        for n, cells in enumerate(rows, 2):
            if any(c.strip() for c in cells):
                yield n, dict(zip(header, cells, strict=False))


def read_xlsx(path: Path) -> Iterator[Row]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = [str(h or "") for h in next(rows, ())]
        for n, cells in enumerate(rows, 2):
            if any(c not in (None, "") for c in cells):
                yield n, dict(zip(header, cells, strict=False))
    finally:
        wb.close()


def is_xlsx(path: Path) -> bool:
    """An XLSX is a ZIP; anything else is read as CSV."""
    with path.open("rb") as f:
        return f.read(4) == b"PK\x03\x04"


def read_rows(
    path: Path, *, delimiter: str | None = None, encoding: str | None = None
) -> Iterator[Row]:
    if is_xlsx(path):
        return read_xlsx(path)
    return read_csv(path, delimiter=delimiter, encoding=encoding)


def read_header(
    path: Path, *, delimiter: str | None = None, encoding: str | None = None
) -> list[str]:
    """The file's first row (the column headers), read as :func:`read_rows` would."""
    if is_xlsx(path):
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            first = next(wb.worksheets[0].iter_rows(values_only=True), ())
        finally:
            wb.close()
        return [str(h or "") for h in first]
    with path.open(encoding=_csv_encoding(path, encoding), newline="") as f:
        return next(_csv_reader(f, delimiter), [])


def estimate_rows(path: Path) -> int:
    """Data rows for a progress bar: the XLSX's dimension, or the CSV's line breaks."""
    if is_xlsx(path):
        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            return max((wb.worksheets[0].max_row or 1) - 1, 0)
        finally:
            wb.close()
    with path.open("rb") as f:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    return max(lines - 1, 0)
