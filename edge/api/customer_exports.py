"""Customer export jobs (BACKOFFICE §11): start one with the customer list's
filters, poll its progress, download the file while it is kept."""

from __future__ import annotations

import secrets
import sqlite3
from typing import Annotated, Any, Literal

from flask import Response, send_file
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from edge.api.auth import current_actor
from edge.api.bounds import query_id
from edge.api.context import current_box
from edge.api.idempotency import commit
from edge.api.registry import api
from edge.customers.fields import CustomerType, Status
from edge.customers.io.exports import MEDIA, export_jobs
from edge.customers.io.source import ExportFilters

routes = api.section("customers", scope="manager")


class ExportBody(BaseModel):
    """The customer list's filters; all optional."""

    model_config = ConfigDict(extra="forbid")
    status: Status | None = None
    type: CustomerType | None = None
    group: Annotated[str, StringConstraints(max_length=20)] | None = None
    search: Annotated[str, StringConstraints(max_length=100)] = ""


class ExportJobOut(BaseModel):
    id: str
    state: Literal["running", "done", "failed"]
    rows: int = Field(description="Rows written so far.")
    total: int | None = Field(description="Customers matching the filters; null until counted.")
    format: Literal["xlsx", "zip"] | None
    filename: str | None
    error: str | None
    filters: dict[str, Any]
    created_at: str
    created_by: str


EXAMPLE = {
    "id": "3f9a1c0d2b4e6a81", "state": "running", "rows": 12000, "total": 48210,
    "format": None, "filename": None, "error": None,
    "filters": {"status": "active", "type": None, "group_id": None, "search": ""},
    "created_at": "2026-12-04T20:15:00Z", "created_by": "terminal:office",
}  # fmt: skip


@routes.post(
    "/customers/exports",
    body=ExportBody,
    response=ExportJobOut,
    status=202,
    idempotency_key="optional",
    example=EXAMPLE,
)
def start_export(body: ExportBody) -> Response:
    """Start a customer export with the list's filters (XLSX, or from 100,000 a ZIP of two CSVs)

    Columns and headers as BACKOFFICE §11, in the box's `devices.language`.
    Answers `202` with the job; poll `GET /customers/exports/{export}`. A
    retry with the same `Idempotency-Key` answers the same job.
    """
    group_id = query_id(body.group, "group", "not a group id")
    filters = ExportFilters(status=body.status, type=body.type, group_id=group_id,
                            search=body.search)  # fmt: skip
    box, actor = current_box(), current_actor()
    job_id = secrets.token_hex(8)
    jobs = export_jobs(box)

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        return {**EXAMPLE, "id": job_id, "state": "running", "rows": 0, "total": None,
                "filters": filters.settings(), "created_by": actor}, 202  # fmt: skip

    return commit(txn, after=lambda body: jobs.start(filters, actor=actor, job_id=body["id"]))


@routes.get("/customers/exports/<export>", response=ExportJobOut, errors=("not_found",),
            example=EXAMPLE)  # fmt: skip
def export_state(export: str) -> dict[str, Any]:
    """An export's state and progress (`rows` of `total`)

    `state` is `running`, `done` (then `format` and `filename` are set) or
    `failed` (`error` says why). Unknown or cleaned-up exports are `not_found`.
    """
    return export_jobs(current_box()).get(export).out()


@routes.get("/customers/exports/<export>/file", errors=("not_found",),
            content_type="application/octet-stream", example="<the XLSX or ZIP file>")  # fmt: skip
def export_file(export: str) -> Response:
    """Download a finished export

    Streamed from the file in the data directory, as an attachment; kept
    `customers.export_keep_hours`. `not_found` while running, after a failure
    or once cleaned up.
    """
    job = export_jobs(current_box()).get(export)
    if job.state != "done" or job.path is None or job.format is None:
        from edge.errors import NotFound

        raise NotFound(f"export {export} is {job.state}, no file yet")
    return send_file(job.path, mimetype=MEDIA[job.format], as_attachment=True,
                     download_name=job.filename, max_age=0)  # fmt: skip
