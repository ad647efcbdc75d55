"""GDPR for one customer (BACKOFFICE §11): the Art. 15/20 export as one ZIP,
and the Art. 17 erasure (refused with reasons while anything is open)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from flask import Response, send_file
from pydantic import BaseModel, Field

from edge.api.auth import current_actor
from edge.api.context import current_box
from edge.api.idempotency import commit
from edge.api.registry import api
from edge.customers import service
from edge.customers.gdpr import erasure, export
from edge.customers.gdpr.later_sections import sweep_erased_documents
from edge.customers.lookup import customer_row
from edge.errors import NotFound
from edge.invoices.documents import pdf_for
from edge.platform.clock import now_iso

routes = api.section("customers", scope="manager")


class ErasureOut(BaseModel):
    customer_id: str
    customer_number: int = Field(description="Kept: invoices and receipts name it.")
    pseudonym: str = Field(description="The name the record is shown by from now on.")
    erased_at: str
    erased_by: str
    retain_until: str = Field(
        description="What the law keeps (journal, invoices) stays "
        "until this day (`gdpr.retention_years`)."
    )
    cards_released: int
    history_scrubbed: int = Field(description="History entries whose values were removed.")
    sections: dict[str, int] = Field(description="Rows each data area's erasure touched.")


ERASURE_EXAMPLE = {
    "customer_id": "42",
    "customer_number": 10042,
    "pseudonym": "Gelöscht 4F2A9C01",
    "erased_at": "2026-12-04T20:15:00Z",
    "erased_by": "terminal:office",
    "retain_until": "2036-12-04",
    "cards_released": 1,
    "history_scrubbed": 7,
    "sections": {"history": 7, "cards": 1, "invoices": 0, "mails": 2},
}


def export_dir() -> Path:
    return Path(current_box().config.box.data_dir) / "exports"


def _render_missing_pdfs(box: Any, customer_id: int) -> None:
    # An invoice's PDF is made on first need (edge.invoices.documents): make
    # it now, so the export holds every issued invoice as PDF too.
    conn = box.db.reader()
    for row in conn.execute(
        "SELECT * FROM invoices WHERE customer_id = ? AND pdf IS NULL AND xml IS NOT NULL",
        [customer_id],
    ).fetchall():
        try:
            pdf_for(box, row)
        except NotFound:
            continue  # no renderer here: the XML (the legal original) is exported


def export_response(customer_id: int, actor: str) -> Response:
    """The ZIP streamed from an unnamed temporary file; the history notes it."""
    box = current_box()
    now = now_iso()
    customer_row(box.db.reader(), customer_id, "id")
    _render_missing_pdfs(box, customer_id)
    with box.db.snapshot() as conn:
        number = customer_row(conn, customer_id, "customer_number")[0]
        tmp = export.export_file(
            conn, customer_id, export_dir(), language=box.config.devices.language, at=now
        )
    box.db.write(lambda c: export.log_export(c, customer_id, actor=actor, now=now))
    return send_file(
        tmp,
        mimetype=export.MEDIA,
        as_attachment=True,
        download_name=export.filename(number, now[:10]),
        max_age=0,
    )


@routes.get(
    "/customers/<id>/gdpr-export",
    errors=("not_found",),
    content_type=export.MEDIA,
    example="<the ZIP file>",
)
def gdpr_export(id: str) -> Response:
    """Everything stored about one customer as one ZIP (GDPR Art. 15/20)

    A JSON file per data area (`customer.json` with every field, `history`,
    `cards`, `balances`, `journal`, `points`, `operations`, `purchases`,
    `invoices` with their lines, payments and reminders, `subscriptions`,
    `mails`), a CSV (UTF-8 with BOM, `;`) next to each tabular one, the stored
    invoice PDFs and XML under `invoices/`, and `README.txt` in the box's
    language explaining the files. Written to a temporary file and streamed.
    The customer's history records `gdpr_export` (who, when; no data).
    """
    return export_response(service.parse_id(id), current_actor())


@routes.post(
    "/customers/<id>/erasure",
    response=ErasureOut,
    errors=("not_found", "erasure_refused"),
    example=ERASURE_EXAMPLE,
)
def erase_customer(id: str) -> Response:
    """Erase a customer's personal data (GDPR Art. 17); repeating it answers the same

    Refused with `erasure_refused` (409) while the customer has credit, points,
    unsettled invoices, a running subscription or a SEPA mandate in use: its
    `reasons` list each (`code`: `credit`, `points`, `open_invoices`,
    `active_subscriptions`, `active_mandate`, with `detail` and numbers).
    Otherwise, in one transaction: every personal field is blanked, the name
    becomes `pseudonym`, the customer number stays, cards are released, draft
    invoices deleted, sent mails stripped of address, text and attachments,
    and the history keeps which fields changed but not their values. The
    journal and issued invoices stay, tied to the pseudonym, until
    `retain_until`. The record is inactive and blocked for good.
    """
    cid = service.parse_id(id)
    box, actor = current_box(), current_actor()

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        answer = erasure.erase_customer(conn, cid, actor=actor, now=now_iso(), config=box.config)
        return answer, 200

    answer = commit(txn)
    sweep_erased_documents(box.db, cid)  # the bytes go once the erasure is durable
    return answer
