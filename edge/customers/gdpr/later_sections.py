"""The data areas that joined after the GDPR core: customer documents,
delivery addresses and SEPA mandates with their collections. Each is a
:class:`~.sections.Section` like the others; the core skips them on a
database that lacks their table."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from edge.customers.documents import blobs
from edge.customers.documents import records as documents
from edge.customers.gdpr.sections import Erasing, Reason, Rows, Section, rows
from edge.platform.db import Database


def _data_dir(conn: sqlite3.Connection) -> Path:
    # The documents live beside the database file (``<data_dir>/documents``).
    (_, _, file) = conn.execute("PRAGMA database_list").fetchone()
    return Path(file).parent


def _documents(conn: sqlite3.Connection, cid: int) -> Rows:
    return rows(
        conn,
        "SELECT id, title, filename, size, media_type, sha256, uploaded_by, created_at"
        " FROM customer_documents WHERE customer_id = ? AND deleted_at IS NULL ORDER BY id",
        [cid],
    )


def _document_files(conn: sqlite3.Connection, cid: int) -> Iterator[tuple[str, bytes]]:
    root, _ = documents.roots(_data_dir(conn))
    for doc in _documents(conn, cid):
        try:
            data = blobs.read(root, doc["sha256"])
        except FileNotFoundError:
            continue  # listed in documents.json; its bytes are gone
        yield f"documents/{doc['id']}-{doc['filename']}", data


def _erase_documents(conn: sqlite3.Connection, e: Erasing) -> int:
    # The rows stay (soft-deleted, as every delete) without title or file
    # name; the bytes go after the commit (:func:`sweep_erased_documents`).
    return conn.execute(
        "UPDATE customer_documents SET deleted_at = coalesce(deleted_at, ?),"
        " deleted_by = coalesce(deleted_by, ?), title = '', filename = ''"
        " WHERE customer_id = ?",
        [e.now, e.actor, e.customer_id],
    ).rowcount


def sweep_erased_documents(db: Database, customer_id: int) -> int:
    """Remove the bytes of an erased customer's documents once the erasure is
    durable (one write per blob, serialised with uploads: a blob another live
    row still names stays). How many blobs went."""

    def shas(conn: sqlite3.Connection) -> list[str]:
        found = conn.execute(
            "SELECT DISTINCT sha256 FROM customer_documents WHERE customer_id = ?", [customer_id]
        )
        return [x[0] for x in found]

    conn = db.reader()
    todo = shas(conn)
    root, _ = documents.roots(_data_dir(conn))
    return sum(bool(db.write(lambda c, s=s: documents.sweep(c, root, s))) for s in todo)


def _addresses(conn: sqlite3.Connection, cid: int) -> Rows:
    return rows(
        conn,
        "SELECT id, label, street, house_number, postal_code, city, country, latitude,"
        " longitude, geo_source, is_default, created_at, updated_at"
        " FROM delivery_addresses WHERE customer_id = ? ORDER BY id",
        [cid],
    )


def _erase_addresses(conn: sqlite3.Connection, e: Erasing) -> int:
    keys = [
        k
        for (k,) in conn.execute(
            "SELECT geo_key FROM delivery_addresses WHERE customer_id = ? AND geo_key IS NOT NULL",
            [e.customer_id],
        )
    ]
    for key in keys:  # the cache holds the address text too
        conn.execute("DELETE FROM geocode_cache WHERE key = ?", [key])
    conn.execute(
        "UPDATE purchases SET delivery_address = NULL WHERE customer_id = ?", [e.customer_id]
    )
    return conn.execute(
        "DELETE FROM delivery_addresses WHERE customer_id = ?", [e.customer_id]
    ).rowcount


def _mandates(conn: sqlite3.Connection, cid: int) -> Rows:
    return rows(
        conn,
        "SELECT id, reference, signed_on, scheme, status, iban, bic, last_collected_on,"
        " revoked_at, revoked_reason, created_at FROM sepa_mandates"
        " WHERE customer_id = ? ORDER BY id",
        [cid],
    )


def _collections(conn: sqlite3.Connection, cid: int) -> Rows:
    return rows(
        conn,
        "SELECT c.id, c.file_id, f.message_id, i.number AS invoice_number, c.sequence,"
        " c.amount, c.collection_date, c.end_to_end_id, c.state, c.return_reason"
        " FROM sepa_collections c JOIN invoices i ON i.id = c.invoice_id"
        " JOIN sepa_files f ON f.id = c.file_id WHERE i.customer_id = ? ORDER BY c.id",
        [cid],
    )


def _active_mandate(conn: sqlite3.Connection, cid: int) -> list[Reason]:
    found = conn.execute(
        "SELECT reference FROM sepa_mandates WHERE customer_id = ? AND status = 'active'", [cid]
    ).fetchone()
    if found is None:
        return []
    detail = f"SEPA mandate {found[0]} is active; revoke it first"
    return [{"code": "active_mandate", "detail": detail, "reference": found[0]}]


def _about(de: str, en: str) -> dict[str, str]:
    return {"de": de, "en": en}


LATER_SECTIONS: list[Section] = [
    Section(
        "documents",
        "customer_documents",
        _documents,
        files=_document_files,
        erase=_erase_documents,
        about=_about(
            "Dokumente (Liste; die Dateien im Ordner documents/)",
            "documents (the list; the files in the folder documents/)",
        ),
    ),
    Section(
        "delivery_addresses",
        "delivery_addresses",
        _addresses,
        erase=_erase_addresses,
        about=_about("Lieferadressen mit Geodaten", "delivery addresses with geodata"),
    ),
    # Mandates are kept (the bank may ask for them for years): exported, and
    # an active one refuses the erasure.
    Section(
        "sepa_mandates",
        "sepa_mandates",
        _mandates,
        refusals=_active_mandate,
        about=_about("SEPA-Lastschriftmandate", "SEPA direct debit mandates"),
    ),
    Section(
        "sepa_collections",
        "sepa_collections",
        _collections,
        about=_about("SEPA-Lastschrifteinzüge", "SEPA direct debit collections"),
    ),
]
