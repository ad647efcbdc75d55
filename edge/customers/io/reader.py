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
from typing import Any

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


def read_csv(path: Path, *, delimiter: str | None, encoding: str | None) -> Iterator[Row]:
    with path.open("rb") as f:
        head = f.read(SAMPLE)
    encoding = encoding or sniff_encoding(head)
    with path.open(encoding=encoding, newline="") as f:
        sample = f.read(SAMPLE)
        f.seek(0)
        rows = csv.reader(f, delimiter=delimiter or sniff_delimiter(sample))
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


def read_rows(
    path: Path, *, delimiter: str | None = None, encoding: str | None = None
) -> Iterator[Row]:
    with path.open("rb") as f:
        is_zip = f.read(4) == b"PK\x03\x04"
    if is_zip:
        return read_xlsx(path)
    return read_csv(path, delimiter=delimiter, encoding=encoding)


def estimate_rows(path: Path) -> int:
    """Data rows for a progress bar: the XLSX's dimension, or the CSV's line breaks."""
    with path.open("rb") as f:
        if f.read(4) == b"PK\x03\x04":
            wb = openpyxl.load_workbook(path, read_only=True)
            try:
                return max((wb.worksheets[0].max_row or 1) - 1, 0)
            finally:
                wb.close()
        f.seek(0)
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    return max(lines - 1, 0)
