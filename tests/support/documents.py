"""Real documents for the upload tests: a PDF from fpdf2, PNG and JPEG from
Pillow, a DOCX and an ODT zipped with the entries their formats require, and
the look-alikes that must be refused (a .docm with vbaProject.bin, an ODT
with a Basic library, a Windows executable and an HTML page named .pdf)."""

from __future__ import annotations

import io
import zipfile

from fpdf import FPDF
from PIL import Image

CT_DOCX = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    '{main}"/></Types>'
)
WORD_MAIN = "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "vnd.ms-word.document.macroEnabled.main+xml"


def pdf(text: str = "Mietvertrag", pages: int = 1) -> bytes:
    doc = FPDF()
    doc.set_font("helvetica", size=24)
    for n in range(pages):
        doc.add_page()
        doc.cell(text=f"{text} {n + 1}")
    return bytes(doc.output())


def image(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


def _zip(entries: dict[str, bytes | str], *, stored_first: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if stored_first:
            z.writestr(stored_first, entries.pop(stored_first), zipfile.ZIP_STORED)
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def docx(main: str = WORD_MAIN, extra: dict[str, bytes | str] | None = None) -> bytes:
    return _zip(
        {
            "[Content_Types].xml": CT_DOCX.format(main=main),
            "_rels/.rels": "<Relationships/>",
            "word/document.xml": "<w:document/>",
            **(extra or {}),
        }
    )


def docm() -> bytes:
    return docx(DOCM_MAIN, {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})


def odt(extra: dict[str, bytes | str] | None = None) -> bytes:
    return _zip(
        {
            "mimetype": "application/vnd.oasis.opendocument.text",
            "content.xml": "<office:document-content/>",
            "META-INF/manifest.xml": "<manifest:manifest/>",
            **(extra or {}),
        },
        stored_first="mimetype",
    )


def odt_with_basic() -> bytes:
    return odt({"Basic/Standard/Module1.xml": "<script:module/>"})


def plain_zip() -> bytes:
    return _zip({"notes.txt": "just a zip"})


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
