"""What a document is, read from its bytes, never from its name.

``filetype`` (magic numbers) tells PDF, JPEG, PNG and ZIP apart; a ZIP is a
DOCX only with an OOXML ``[Content_Types].xml`` naming the Word main
document, an ODT only with a first ``mimetype`` entry of
``application/vnd.oasis.opendocument.text``. Macro-carrying variants are
refused with their reason: a ``vbaProject.bin`` or a macro-enabled content
type (docm, dotm, xlsm …), an ODT with ``Basic/`` or ``Scripts/`` entries or
a manifest listing script files. Imports filetype.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import filetype

from edge.errors import FieldErrors

MAX_BYTES = 5 * 1024 * 1024  # BACKOFFICE §11: "at most 5 MB each"

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
MEDIA = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    DOCX: "docx",
    ODT: "odt",
}
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_MACRO_TYPE = re.compile(rb"macroEnabled|vbaProject|vbaData", re.IGNORECASE)
_ODF_SCRIPTS = ("Basic/", "Scripts/")


@dataclass(frozen=True)
class Kind:
    media_type: str
    extension: str


#: Why a file is refused: the ``reason`` of the problem (the panel's message key).
REASONS = ("empty", "too_large", "type", "macros", "office_other", "odf_other", "zip", "damaged")


def refused(reason: str, message: str) -> FieldErrors:
    """A ``file`` field error; ``reason`` (one of :data:`REASONS`) travels with it."""
    return FieldErrors([{"field": "file", "message": message}], reason=reason)


def sniff(data: bytes) -> Kind:
    """The document's kind, or a ``file`` field error saying why it is refused."""
    if not data:
        raise refused("empty", "the file is empty")
    guess = filetype.guess(data[:8192])
    mime = guess.mime if guess is not None else None
    if mime in ("application/pdf", "image/jpeg", "image/png"):
        return Kind(mime, MEDIA[mime])
    if mime == "application/zip" or data[:4] == b"PK\x03\x04":
        return _office(data)
    what = f" ({mime})" if mime else ""
    raise refused("type", f"not a PDF, DOCX, ODT, JPEG or PNG file{what}")


def _office(data: bytes) -> Kind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise refused("macros", "contains macros (vbaProject.bin): refused")
            if "[Content_Types].xml" in names:
                types = z.read("[Content_Types].xml")
                if _MACRO_TYPE.search(types):
                    raise refused(
                        "macros", "a macro-enabled Office format (docm, dotm, xlsm …): refused"
                    )
                if WORD_MAIN.encode() in types:
                    return Kind(DOCX, "docx")
                raise refused("office_other", "an Office file that is not a Word document (DOCX)")
            if names and names[0] == "mimetype":
                if z.read("mimetype").strip() != ODT.encode():
                    raise refused(
                        "odf_other", "an OpenDocument file that is not a text document (ODT)"
                    )
                if any(n.startswith(_ODF_SCRIPTS) for n in names) or _odf_scripted(z, names):
                    raise refused("macros", "contains macros or scripts (Basic/Scripts): refused")
                return Kind(ODT, "odt")
    except zipfile.BadZipFile as e:
        raise refused("damaged", "a damaged ZIP container") from e
    raise refused("zip", "a ZIP archive, not a DOCX or ODT document")


def _odf_scripted(z: zipfile.ZipFile, names: list[str]) -> bool:
    """A manifest that lists Basic libraries or scripts (they may sit under any name)."""
    if "META-INF/manifest.xml" not in names:
        return False
    manifest = z.read("META-INF/manifest.xml").lower()
    return b"basic/" in manifest or b"scripts/" in manifest
