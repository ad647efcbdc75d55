"""Customer documents through the API (Flask client): upload, list,
download with safe headers, delete with history, the 5 MiB limit, the
bytes stored once by hash with private modes."""

from __future__ import annotations

import io
import stat
import uuid
from pathlib import Path
from typing import Any

import pytest

from edge.customers.documents import blobs
from edge.customers.documents.kinds import MAX_BYTES
from edge.platform.box import Box
from tests.support import documents as d


@pytest.fixture
def cid(mk) -> str:  # type: ignore[no-untyped-def]
    return str(mk(last_name="Dokument")["id"])


def upload(pos: Any, cid: str, data: bytes, name: str = "x.pdf", **fields: str) -> Any:
    return pos.client.post(
        f"/api/v1/customers/{cid}/documents",
        data={"file": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {pos.token}", "Idempotency-Key": str(uuid.uuid4())},
    )


def stored(box: Box) -> list[Path]:
    root = box.config.data_path / "documents"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_upload_list_download_delete(pos, manager, box: Box, cid: str) -> None:  # type: ignore[no-untyped-def]
    data = d.pdf("Mietvertrag")
    r = upload(pos, cid, data, "../../Mietvertrag 2026.pdf", title="Mietvertrag – Straße 7 ✓")
    assert r.status_code == 201, r.get_json()
    doc = r.get_json()
    assert doc["title"] == "Mietvertrag – Straße 7 ✓"
    assert doc["filename"] == "Mietvertrag 2026.pdf"
    assert (doc["size"], doc["media_type"]) == (len(data), "application/pdf")
    assert doc["sha256"] == blobs.digest(data) and doc["uploaded_by"].startswith("terminal:")

    files = stored(box)
    assert [p.relative_to(box.config.data_path / "documents").as_posix() for p in files] == [
        f"{doc['sha256'][:2]}/{doc['sha256'][2:]}"
    ]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(files[0].parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(files[0].parent.parent.stat().st_mode) == 0o700

    listed = pos.get(f"/customers/{cid}/documents").get_json()["items"]
    assert listed == [doc]
    got = pos.get(f"/customers/{cid}/documents/{doc['id']}")
    assert got.status_code == 200 and got.data == data
    assert got.mimetype == "application/pdf"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert "Mietvertrag" in got.headers["Content-Disposition"]
    assert "sandbox" in got.headers["Content-Security-Policy"]

    assert pos.delete(f"/customers/{cid}/documents/{doc['id']}").status_code == 403
    assert manager.delete(f"/customers/{cid}/documents/{doc['id']}").status_code == 204
    assert pos.get(f"/customers/{cid}/documents").get_json()["items"] == []
    assert pos.get(f"/customers/{cid}/documents/{doc['id']}").status_code == 404
    assert stored(box) == []  # no live row names the bytes any more
    row = (
        box.db.reader().execute("SELECT deleted_at, deleted_by FROM customer_documents").fetchone()
    )
    assert row["deleted_at"] and row["deleted_by"].startswith("terminal:")
    history = pos.get(f"/customers/{cid}/history").get_json()["items"]
    entries = [(h["field"], h["old"], h["new"]) for h in history if h["field"] == "document"]
    assert entries[0][1]["sha256"] == doc["sha256"] and entries[0][2] is None  # the delete
    assert entries[1][1] is None and entries[1][2]["title"] == doc["title"]  # the upload


def test_same_bytes_are_stored_once_and_kept_while_one_row_is_live(  # type: ignore[no-untyped-def]
    pos, manager, box: Box, cid: str, mk
) -> None:
    other = str(mk(last_name="Zweite")["id"])
    png = d.image("PNG")
    a = upload(pos, cid, png, "a.png").get_json()
    b = upload(pos, other, png, "b.png").get_json()
    assert a["sha256"] == b["sha256"] and len(stored(box)) == 1
    assert manager.delete(f"/customers/{cid}/documents/{a['id']}").status_code == 204
    assert len(stored(box)) == 1  # still named by the other customer's document
    assert pos.get(f"/customers/{other}/documents/{b['id']}").data == png
    assert pos.get(f"/customers/{cid}/documents/{b['id']}").status_code == 404  # not theirs


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (d.EXE, "rechnung.pdf", "x-msdownload"),
        (d.HTML, "rechnung.pdf", "not a PDF"),
        (d.docm(), "brief.docx", "vbaProject.bin"),
        (d.odt_with_basic(), "brief.odt", "macros"),
    ],
)
def test_refused_content_is_a_field_error_and_stores_nothing(  # type: ignore[no-untyped-def]
    pos, box: Box, cid: str, data: bytes, name: str, reason: str
) -> None:
    r = upload(pos, cid, data, name)
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    err = r.get_json()["errors"][0]
    assert err["field"] == "file" and reason in err["message"]
    assert r.get_json()["reason"] in ("type", "macros")
    assert stored(box) == [] and pos.get(f"/customers/{cid}/documents").get_json()["items"] == []


def test_five_mib_passes_and_one_byte_more_is_refused(pos, box: Box, cid: str) -> None:  # type: ignore[no-untyped-def]
    head = d.pdf()
    exact = head + b"\n%" + b"x" * (MAX_BYTES - len(head) - 2)
    assert len(exact) == MAX_BYTES
    assert upload(pos, cid, exact).status_code == 201
    r = upload(pos, cid, exact + b"x")
    assert r.status_code == 413 and r.get_json()["code"] == "payload_too_large"
    assert r.get_json()["errors"][0]["field"] == "file"
    assert len(stored(box)) == 1


def test_bad_bodies_are_field_errors(pos, cid: str) -> None:  # type: ignore[no-untyped-def]
    r = pos.post(f"/customers/{cid}/documents", json={"file": "x"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "body"
    r = pos.client.post(
        f"/api/v1/customers/{cid}/documents",
        data={"title": "no file"},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {pos.token}"},
    )
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "file"
    r = upload(pos, cid, d.pdf(), title="bad\u202etitle")
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "title"
    assert upload(pos, "999", d.pdf()).status_code == 404


def test_other_routes_keep_the_app_wide_body_limit(pos) -> None:  # type: ignore[no-untyped-def]
    memo = {"last_name": "Lang", "notes": "n" * (MAX_BYTES + 10)}
    r = pos.post("/customers?allow_duplicate=true", json=memo)
    assert r.status_code == 422, r.get_json()  # read past 5 MiB: judged by its fields
    assert r.get_json()["errors"][0]["field"] == "notes"


def test_a_retried_key_answers_the_first_upload_and_another_file_conflicts(  # type: ignore[no-untyped-def]
    pos, cid: str
) -> None:
    def send(data: bytes) -> Any:
        return pos.client.post(
            f"/api/v1/customers/{cid}/documents",
            data={"file": (io.BytesIO(data), "a.png")},
            content_type="multipart/form-data",
            headers={"Authorization": f"Bearer {pos.token}", "Idempotency-Key": "doc-1"},
        )

    first = send(d.image("PNG"))
    again = send(d.image("PNG"))
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert send(d.image("PNG", (5, 5))).get_json()["code"] == "idempotency_conflict"
    assert len(pos.get(f"/customers/{cid}/documents").get_json()["items"]) == 1
