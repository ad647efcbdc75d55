"""Customer document routes (BACKOFFICE §11): list, upload (multipart,
5 MiB, type from the content), download, delete. Staff with the ``pos``
scope list, upload and download — as they edit the customer; deleting
needs ``manager``."""

from __future__ import annotations

import dataclasses
import sqlite3
from typing import Any

from flask import Response, g, request, send_file
from pydantic import BaseModel, ConfigDict, Field

from edge.api.auth import current_actor
from edge.api.context import current_box
from edge.api.idempotency import commit
from edge.api.registry import api
from edge.api.uploads import read_file_part
from edge.customers.documents import blobs, records
from edge.customers.documents.kinds import MAX_BYTES, MEDIA
from edge.platform.clock import now_iso
from edge.platform.idempotency import request_hash

routes = api.section("customers")


class DocumentUpload(BaseModel):
    """The multipart/form-data parts of an upload."""

    model_config = ConfigDict(extra="forbid")
    file: bytes = Field(description=f"The document: PDF, DOCX, ODT, JPEG or PNG, at most "
                        f"{MAX_BYTES} bytes; its file name is kept (made safe).")  # fmt: skip
    title: str | None = Field(
        None,
        max_length=records.MAX_TITLE,
        description="Shown in lists; default: the file name without extension.",
    )


class DocumentOut(BaseModel):
    id: str
    customer_id: str
    title: str
    filename: str = Field(
        description="Safe: no path, no controls; ends in the real type's extension."
    )
    size: int = Field(description="Bytes.")
    media_type: str = Field(json_schema_extra={"enum": sorted(MEDIA)})
    sha256: str
    uploaded_by: str
    created_at: str


class DocumentList(BaseModel):
    items: list[DocumentOut]


DOCUMENT: dict[str, Any] = {
    "id": "7", "customer_id": "1", "title": "Mietvertrag 2026", "filename": "Mietvertrag.pdf",
    "size": 48213, "media_type": "application/pdf",
    "sha256": "9f2c1d0e4b7a6c5d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d",
    "uploaded_by": "terminal:office", "created_at": "2026-12-04T20:15:00Z",
}  # fmt: skip


def _ids(id: str, document_id: str | None = None) -> tuple[int, int]:
    return int(id), int(document_id or 0)


@routes.get("/customers/<id>/documents", response=DocumentList, errors=("not_found",),
            example={"items": [DOCUMENT]})  # fmt: skip
def list_documents(id: str) -> dict[str, Any]:
    """A customer's documents, newest first

    Deleted documents are not listed (their upload and deletion stay in the
    customer's history).
    """
    cid, _ = _ids(id)
    return {"items": records.list_documents(current_box().db.reader(), cid)}


@routes.post("/customers/<id>/documents", form=DocumentUpload, response=DocumentOut,
             status=201, errors=("not_found",), example=DOCUMENT)  # fmt: skip
def upload_document(id: str) -> Response:
    """Upload a document (multipart/form-data: `file`, optional `title`)

    The type is decided from the content, not the name: PDF, DOCX, ODT, JPEG
    or PNG; anything else, and macro-enabled Office or OpenDocument files,
    is a `validation_error` on `file` saying why. At most 5 MiB (5,242,880
    bytes): a larger `Content-Length` is `payload_too_large` before the body
    is read, and a body that grows past the limit (chunked, or longer than
    declared) is cut there — nothing is stored. The same bytes uploaded again
    are stored once. A retry with the same `Idempotency-Key` and the same file
    answers the first upload.
    """
    cid, _ = _ids(id)
    part = read_file_part(MAX_BYTES)
    sha = blobs.digest(part.data)
    if g.idempotency is not None:  # the file, not only the path, is what a key must match
        g.idempotency = dataclasses.replace(
            g.idempotency,
            request_hash=request_hash(
                request.method, request.path, sha, part.fields.get("title", "")
            ),
        )
    box, actor = current_box(), current_actor()
    root, _ = records.roots(box.config.data_path)

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        title = part.fields.get("title", "")
        doc = records.add(conn, root, cid, part.data, filename=part.filename, title=title,
                          actor=actor, now=now_iso())  # fmt: skip
        return doc, 201

    return commit(txn)


@routes.get("/customers/<id>/documents/<document_id>", errors=("not_found",),
            content_type="application/octet-stream", example="<the document's bytes>")  # fmt: skip
def download_document(id: str, document_id: str) -> Response:
    """Download a document

    Answered with its real media type as an attachment under its safe file
    name, with `X-Content-Type-Options: nosniff` and a sandboxing
    `Content-Security-Policy`.
    """
    cid, did = _ids(id, document_id)
    box = current_box()
    doc = records.get(box.db.reader(), cid, did)
    root, _ = records.roots(box.config.data_path)
    return attachment(blobs.path_of(root, doc["sha256"]), doc, inline=False)


def attachment(path: Any, doc: dict[str, Any], *, inline: bool) -> Response:
    """The stored file with headers that keep a browser from running it."""
    resp = send_file(path, mimetype=doc["media_type"], as_attachment=not inline,
                     download_name=doc["filename"], max_age=0)  # fmt: skip
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


@routes.delete("/customers/<id>/documents/<document_id>", scope="manager",
               errors=("not_found",), status=204)  # fmt: skip
def delete_document(id: str, document_id: str) -> Response:
    """Delete a document

    The row stays, marked deleted, and the history records it; the bytes are
    removed once no other live document has the same content. No content on
    success.
    """
    cid, did = _ids(id, document_id)
    box, actor = current_box(), current_actor()
    root, _ = records.roots(box.config.data_path)
    records.remove(box.db, root, cid, did, actor=actor, now=now_iso())
    return Response(status=204)
