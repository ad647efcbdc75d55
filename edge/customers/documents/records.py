"""The database side of customer documents: a row per (customer, document),
soft deletes, history entries for upload and delete, and the hash sweep
that removes bytes no live row names any more. Runs inside the single
writer's transactions (:meth:`edge.platform.db.Database.write`), so storing
bytes and the sweep never interleave. Imports ``edge.customers.history``,
``edge.customers.lookup`` and this package's modules.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

from edge.customers.documents import blobs
from edge.customers.documents.kinds import MAX_BYTES, refused, sniff
from edge.customers.history import log_change
from edge.customers.lookup import customer_row
from edge.errors import FieldErrors, NotFound
from edge.platform.db import Database
from edge.platform.text import TextRefused, clean_text

MAX_TITLE = 200
MAX_FILENAME = 120
_UNSAFE = set('/\\"<>:|?*;')

COLUMNS = "id, customer_id, title, filename, size, media_type, sha256, uploaded_by, created_at"


def safe_filename(raw: str, extension: str) -> str:
    """The last path segment, without controls, quotes or separators, ending in
    the extension of what the content really is (``x.pdf.exe`` → ``x.pdf.exe.pdf``)."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        "_" if ch in _UNSAFE or (unicodedata.category(ch)[0] in "CZ" and ch != " ") else ch
        for ch in name
    ).strip(" .")
    stem = name[: MAX_FILENAME - len(extension) - 1]
    if not stem.lower().endswith(f".{extension}") and not (
        extension == "jpg" and stem.lower().endswith(".jpeg")
    ):
        stem = f"{stem or 'document'}.{extension}"
    return stem


def clean_title(raw: str, fallback: str) -> str:
    try:
        title = clean_text(raw.strip()) or fallback
    except TextRefused as e:
        raise FieldErrors.one("title", str(e)) from e
    if len(title) > MAX_TITLE:
        raise FieldErrors.one("title", f"at most {MAX_TITLE} characters")
    return title


def out(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "customer_id": str(row["customer_id"]),
        "title": row["title"],
        "filename": row["filename"],
        "size": row["size"],
        "media_type": row["media_type"],
        "sha256": row["sha256"],
        "uploaded_by": row["uploaded_by"],
        "created_at": row["created_at"],
    }


def _history(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: doc[k] for k in ("id", "title", "filename", "media_type", "size", "sha256")}


def add(
    conn: sqlite3.Connection,
    root: Path,
    customer_id: int,
    data: bytes,
    *,
    filename: str,
    title: str,
    actor: str,
    now: str,
) -> dict[str, Any]:
    """Check, store the bytes durably, then insert the row and its history entry."""
    customer_row(conn, customer_id, "id")
    if len(data) > MAX_BYTES:
        raise refused("too_large", f"larger than {MAX_BYTES} bytes")
    kind = sniff(data)
    name = safe_filename(filename, kind.extension)
    title = clean_title(title, name.rsplit(".", 1)[0])
    sha = blobs.put(root, data)
    cur = conn.execute(
        "INSERT INTO customer_documents (customer_id, title, filename, size, media_type,"
        " sha256, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [customer_id, title, name, len(data), kind.media_type, sha, actor, now],
    )
    doc = get(conn, customer_id, int(cur.lastrowid or 0))
    log_change(conn, customer_id, actor, now, "document", None, _history(doc))
    return doc


def list_documents(conn: sqlite3.Connection, customer_id: int) -> list[dict[str, Any]]:
    customer_row(conn, customer_id, "id")
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM customer_documents"
        " WHERE customer_id = ? AND deleted_at IS NULL ORDER BY id DESC",
        [customer_id],
    ).fetchall()
    return [out(r) for r in rows]


def get(conn: sqlite3.Connection, customer_id: int, document_id: int) -> dict[str, Any]:
    row = conn.execute(
        f"SELECT {COLUMNS} FROM customer_documents"
        " WHERE id = ? AND customer_id = ? AND deleted_at IS NULL",
        [document_id, customer_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"customer {customer_id} has no document {document_id}")
    return out(row)


def delete(
    conn: sqlite3.Connection, customer_id: int, document_id: int, *, actor: str, now: str
) -> dict[str, Any]:
    """Soft-delete the row (its bytes go with :func:`sweep`); the deleted document."""
    doc = get(conn, customer_id, document_id)
    conn.execute(
        "UPDATE customer_documents SET deleted_at = ?, deleted_by = ? WHERE id = ?",
        [now, actor, document_id],
    )
    log_change(conn, customer_id, actor, now, "document", _history(doc), None)
    return doc


def sweep(conn: sqlite3.Connection, root: Path, sha256: str) -> bool:
    """Remove the bytes when no live row names them; whether it did."""
    live = conn.execute(
        "SELECT 1 FROM customer_documents WHERE sha256 = ? AND deleted_at IS NULL LIMIT 1",
        [sha256],
    ).fetchone()
    if live is not None:
        return False
    blobs.remove(root, sha256)
    return True


def remove(
    db: Database, root: Path, customer_id: int, document_id: int, *, actor: str, now: str
) -> dict[str, Any]:
    """:func:`delete`, then :func:`sweep` in a second write: the bytes go only
    once the delete is durable, serialised with uploads (which store bytes
    inside their own write)."""
    doc = db.write(lambda c: delete(c, customer_id, document_id, actor=actor, now=now))
    db.write(lambda c: sweep(c, root, doc["sha256"]))
    return doc


def roots(data_dir: Path) -> tuple[Path, Path]:
    """Where the bytes live and where their previews are cached."""
    return data_dir / "documents", data_dir / "previews"
