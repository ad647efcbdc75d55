"""The type of a document comes from its bytes: real files in, the
look-alikes and macro formats out with their reason."""

from __future__ import annotations

import pytest

from edge.customers.documents.kinds import DOCX, ODT, REASONS, sniff
from edge.customers.documents.records import safe_filename
from edge.errors import FieldErrors
from tests.support import documents as d


@pytest.mark.parametrize(
    ("data", "media"),
    [
        (d.pdf(), "application/pdf"),
        (d.image("PNG"), "image/png"),
        (d.image("JPEG"), "image/jpeg"),
        (d.docx(), DOCX),
        (d.odt(), ODT),
    ],
)
def test_real_files_are_recognised(data: bytes, media: str) -> None:
    assert sniff(data).media_type == media


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (d.docm(), "vbaProject.bin"),
        (d.docx(d.DOCM_MAIN), "macro-enabled"),
        (d.odt_with_basic(), "macros or scripts"),
        (d.odt({"META-INF/manifest.xml": '<m file="Basic/Standard/x.xml"/>'}), "macros"),
        (d.EXE, "application/x-msdownload"),
        (d.HTML, "not a PDF"),
        (d.plain_zip(), "not a DOCX or ODT"),
        (b"PK\x03\x04broken", "damaged"),
        (b"", "empty"),
    ],
)
def test_look_alikes_and_macros_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(FieldErrors) as err:
        sniff(data)
    assert err.value.errors[0]["field"] == "file"
    assert reason in err.value.errors[0]["message"]
    assert err.value.numbers["reason"] in REASONS


@pytest.mark.parametrize(
    ("raw", "ext", "safe"),
    [
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("..\\..\\boot.ini", "pdf", "boot.ini.pdf"),
        ("Vertrag.PDF", "pdf", "Vertrag.PDF"),
        ('a"b;c\r\n.png', "png", "a_b_c__.png"),
        ("foto.jpeg", "jpg", "foto.jpeg"),
        ("", "odt", "document.odt"),
        ("...", "pdf", "document.pdf"),
        ("Überweisung – Schöne Grüße.pdf", "pdf", "Überweisung – Schöne Grüße.pdf"),
        ("x\u202egpj.exe", "pdf", "x_gpj.exe.pdf"),
    ],
)
def test_file_names_are_made_safe(raw: str, ext: str, safe: str) -> None:
    assert safe_filename(raw, ext) == safe
