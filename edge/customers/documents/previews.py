"""A PNG of a PDF's first page, rendered by poppler's ``pdftoppm`` once and
kept under ``<data_dir>/previews/`` by the document's hash (derived data: not
backed up, rebuilt on demand). Images are their own preview; DOCX and ODT
have none. Imports only the standard library and ``.blobs``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from edge.customers.documents import blobs

WIDTH = 800  # pixels: the panel shows it in a card, not full screen
TIMEOUT = 20  # seconds; a PDF that takes longer gets no preview


def pdf_preview(documents: Path, previews: Path, sha256: str) -> Path | None:
    """The cached PNG of the first page, rendered if missing; None when poppler
    is missing or cannot read the file."""
    cached = blobs.path_of(previews, sha256).with_suffix(".png")
    if cached.exists():
        return cached
    tool = shutil.which("pdftoppm")
    source = blobs.path_of(documents, sha256)
    if tool is None or not source.exists():
        return None
    cached.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cached.parent, prefix=".render-") as tmp:
        base = Path(tmp) / "page"
        try:
            subprocess.run(
                [
                    tool,
                    "-png",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    "-scale-to-x",
                    str(WIDTH),
                    "-scale-to-y",
                    "-1",
                    str(source),
                    str(base),
                ],
                check=True,
                capture_output=True,
                timeout=TIMEOUT,
            )
        except (subprocess.SubprocessError, OSError):
            return None
        rendered = base.with_suffix(".png")
        os.chmod(rendered, 0o600)
        os.replace(rendered, cached)
    return cached
