"""The stored PDF of an issued invoice, made on first need (BACKOFFICE §8).

The PDF/A-3 is laid out from the frozen document and the stored, validated
XML after the issuing commit (``edge.invoices.render``), then kept: the API
route and the panel's preview both ask :func:`pdf_for`, so both show the
same bytes. Imports ``edge.errors`` and the invoices package.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.errors import NotFound
from edge.invoices import book, render


def pdf_for(box: Any, row: sqlite3.Row) -> bytes:
    """The invoice's PDF: the stored one, or made now and stored once."""
    if row["pdf"] is not None:
        return bytes(row["pdf"])
    pdf = (
        None
        if row["xml"] is None
        else render.pdf_of(book.einvoice_view(book.document_of(row)), bytes(row["xml"]))
    )
    if pdf is None:
        raise NotFound(f"invoice {row['id']} has no pdf (not rendered)")
    box.db.write(
        lambda c: c.execute(
            "UPDATE invoices SET pdf = ? WHERE id = ? AND pdf IS NULL", [pdf, row["id"]]
        )
    )
    return pdf
