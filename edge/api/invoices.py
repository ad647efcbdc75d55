"""Invoice routes (BACKOFFICE §8, docs/invoices.md): list with open totals,
read, drafts by hand, issue, cancel by credit note, the PDF and the XML,
payments. ``pos`` reads (and pays by invoice at checkout); ``manager``
writes. Every POST runs once per ``Idempotency-Key`` in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from flask import Response

from edge import mail
from edge.api import invoice_schemas as m
from edge.api.auth import current_actor
from edge.api.bounds import query_id
from edge.api.context import current_box
from edge.api.idempotency import commit, commit_answering
from edge.api.problems import ApiError
from edge.api.registry import api
from edge.customers.service import parse_id
from edge.errors import NotFound
from edge.invoices import book, documents, payments, reminders, views
from edge.invoices.dunning import dunning_run
from edge.invoices.waivers import waive
from edge.platform.actor import Actor
from edge.platform.bounds import parse_row_id
from edge.platform.clock import now_iso

routes = api.section("invoices")
WRITE_ERRORS = ("not_found", "conflict", "customer_blocked", "customer_inactive")


def _id(raw: str) -> int:
    value = parse_row_id(raw)
    if value is None:
        raise NotFound(f"no invoice {raw}")
    return value


def _write(
    fn: Callable[[sqlite3.Connection, Actor], Any], status: int, answer: int | None = None
) -> Response:
    """Run ``fn`` in one write under the request's key; answer invoice
    ``answer``, or the one whose id ``fn`` returns."""
    config = current_box().config
    return commit_answering(
        fn, status, answer, lambda conn, iid: views.invoice_out(conn, config, iid)
    )


@routes.get("/invoices", query=m.InvoiceQuery, response=m.InvoicePage)
def list_invoices(query: m.InvoiceQuery) -> dict[str, Any]:
    """List invoices, newest first, with the open totals of all that match

    Filters: `state`, `overdue` (derived: owed and past the due date in the
    box's time zone), `customer_id`. `totals` sums what the matching invoices
    still owe (`open`: principal; `owed`: with fees and interest; `overdue`).
    """
    box = current_box()
    customer = query_id(query.customer_id, "query.customer_id", "not a customer id")
    after = query_id(query.cursor, "query.cursor", "not a cursor")
    return views.list_invoices(
        box.db.reader(),
        box.config,
        state=query.state,
        overdue=None if query.overdue is None else query.overdue == "true",
        customer_id=customer,
        limit=query.limit,
        after=after,
    )


@routes.post(
    "/invoices/dunning-run",
    scope="manager",
    body=m.DunningRunIn,
    response=m.DunningRun,
)
def run_dunning(body: m.DunningRunIn) -> Response:
    """Run today's dunning: each overdue invoice at most one level up

    Charges each level's fee once and the interest since it was last charged,
    writes the reminders and answers them; `dry_run` only lists them. A second
    run on the same day does nothing. Skips `do_not_dun` customers, pending
    SEPA collections, paid invoices and those at level 3 (`skipped` counts them).
    """
    config = current_box().config
    actor = Actor(current_actor(), now_iso())
    on = book.box_date(config, actor.at)

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        return dunning_run(conn, config, actor, on, dry_run=body.dry_run), 200

    answer = commit(txn)
    if not body.dry_run:  # the letters by e-mail, after the run's commit
        box = current_box()
        if reminders.queue_reminders(box.db, config):
            mail.wake(box)
    return answer


@routes.get("/invoices/<invoice_id>", response=m.Invoice, errors=("not_found",))
def get_invoice(invoice_id: str) -> dict[str, Any]:
    """One invoice or credit note with its lines and what it still owes

    `open` is the unpaid principal, `owed` adds fees and interest; `overdue`
    is derived from the due date and today in the box's time zone.
    """
    box = current_box()
    return views.invoice_out(box.db.reader(), box.config, _id(invoice_id))


@routes.post(
    "/invoices",
    scope="manager",
    body=m.InvoiceDraftIn,
    response=m.Invoice,
    status=201,
    errors=(*WRITE_ERRORS, "validation_error"),
)
def create_invoice(body: m.InvoiceDraftIn) -> Response:
    """Write a draft invoice by hand (lines as in a checkout)

    Priced like a checkout for the customer (their discount; net mode when
    reverse charge applies). A draft has no number and can be changed until
    it is issued.
    """
    cid = parse_id(body.customer_id)
    config = current_box().config
    return _write(
        lambda conn, actor: book.create_draft(conn, config, actor, cid, body.lines, body.notes),
        201,
    )


@routes.patch(
    "/invoices/<invoice_id>",
    scope="manager",
    body=m.InvoiceDraftPatch,
    response=m.Invoice,
    errors=WRITE_ERRORS,
)
def update_invoice(invoice_id: str, body: m.InvoiceDraftPatch) -> Response:
    """Change a draft's customer, lines or notes

    An issued invoice is never edited (`conflict`): cancel it by a credit note.
    """
    iid = _id(invoice_id)
    sent = body.model_fields_set
    cid = parse_id(body.customer_id) if body.customer_id is not None else None
    config = current_box().config
    notes: Any = body.notes if "notes" in sent else book.KEEP

    return _write(
        lambda conn, actor: book.update_draft(
            conn, config, actor, iid, customer_id=cid, lines=body.lines, notes=notes
        ),
        200,
        iid,
    )


@routes.post(
    "/invoices/<invoice_id>/issue",
    scope="manager",
    response=m.Invoice,
    errors=(*WRITE_ERRORS, "validation_error", "einvoice_invalid"),
)
def issue_invoice(invoice_id: str) -> Response:
    """Issue a draft: its number, dates and frozen e-invoice

    The number is the next of `invoices.number_format`, taken in this
    transaction (gapless). Due date: issue date + the customer's
    `payment_terms_days` (else `invoices.payment_terms_days`). The e-invoice
    is rendered and validated first; a rule violation is `einvoice_invalid`
    with the rule ids, the invoice stays a draft and no number is used.
    """
    iid = _id(invoice_id)
    config = current_box().config

    return _write(lambda conn, actor: book.issue(conn, config, actor, iid), 200, iid)


@routes.post(
    "/invoices/<invoice_id>/cancel",
    scope="manager",
    body=m.CancelIn,
    response=m.Invoice,
    status=201,
    errors=(*WRITE_ERRORS, "einvoice_invalid"),
)
def cancel_invoice(invoice_id: str, body: m.CancelIn) -> Response:
    """Cancel an issued invoice by a credit note

    Answers the credit note: its own number from the same sequence, the
    invoice's amounts negated, `preceding_number` naming the invoice, which
    becomes `cancelled`. An invoice with payments is `conflict`.
    """
    iid = _id(invoice_id)
    config = current_box().config
    return _write(lambda conn, actor: book.cancel(conn, config, actor, iid, body.reason), 201)


@routes.get("/invoices/<invoice_id>/reminders", response=m.ReminderList, errors=("not_found",))
def list_reminders(invoice_id: str) -> dict[str, Any]:
    """The dunning reminders an invoice got, level 1 first

    Each is a letter (`GET …/reminders/{level}/pdf`) with what was owed then
    and the deadline it set.
    """
    conn = current_box().db.reader()
    iid = _id(invoice_id)
    book.invoice_row(conn, iid)  # 404 for an unknown invoice
    return {"items": reminders.notices_of(conn, iid)}


@routes.get(
    "/invoices/<invoice_id>/reminders/<level>/pdf",
    content_type="application/pdf",
    errors=("not_found",),
    example="%PDF-1.7 … (PDF/A-3b reminder letter)",
)
def reminder_pdf(invoice_id: str, level: str) -> Response:
    """A dunning reminder as a PDF/A-3 letter

    Made from the notice the dunning run wrote (principal, fees, interest,
    deadline) and the invoice's parties, on the first request, then kept.
    """
    box = current_box()
    if level not in ("1", "2", "3"):
        raise ApiError(404, "not_found", f"no reminder level {level!r} (1, 2 or 3)")
    iid = _id(invoice_id)
    pdf = reminders.reminder_pdf(box.db, box.config, iid, int(level))
    resp = Response(pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'inline; filename="reminder-{iid}-{level}.pdf"'
    return resp


@routes.post(
    "/invoices/<invoice_id>/waive",
    scope="manager",
    body=m.WaiverIn,
    response=m.Invoice,
    errors=(*WRITE_ERRORS, "validation_error"),
)
def waive_charges(invoice_id: str, body: m.WaiverIn) -> Response:
    """Waive dunning fees or interest, with a reason

    Takes `fees` and `interest` off what the invoice owes (at most what is
    open of each: else a `422` naming the field); the reason goes into the
    customer's history. An invoice that then owes nothing is `paid`.
    """
    iid = _id(invoice_id)
    return _write(
        lambda conn, actor: waive(conn, actor, iid, body.fees, body.interest, body.reason),
        200,
        iid,
    )


def _document(invoice_id: str, column: str, mimetype: str, suffix: str) -> Response:
    box = current_box()
    row = (
        box.db.reader().execute("SELECT * FROM invoices WHERE id = ?", [_id(invoice_id)]).fetchone()
    )
    if row is None or row["xml"] is None:
        raise ApiError(404, "not_found", f"invoice {invoice_id} has no {suffix} (not rendered)")
    # The PDF follows the issue; made once, on first need.
    content = documents.pdf_for(box, row) if column == "pdf" else row[column]
    resp = Response(bytes(content), mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'inline; filename="{row["number"]}.{suffix}"'
    return resp


def _document_route(suffix: str, mimetype: str, summary: str, example: str) -> None:
    def view(invoice_id: str) -> Response:
        return _document(invoice_id, suffix, mimetype, suffix)

    view.__name__ = view.__qualname__ = f"invoice_{suffix}"
    routes.get(
        f"/invoices/<invoice_id>/{suffix}",
        content_type=mimetype,
        errors=("not_found",),
        summary=summary,
        description="`not_found` while it has not been rendered (no renderer installed).",
        example=example,
    )(view)


# The stored e-invoice: the PDF/A-3 with its XML inside, and the XML alone.
_document_route(
    "pdf",
    "application/pdf",
    "The invoice as PDF/A-3 with its CII XML embedded",
    "%PDF-1.7 … (PDF/A-3b, factur-x.xml attached)",
)
_document_route(
    "xml",
    "application/xml",
    "The EN 16931 CII XML alone",
    '<?xml version="1.0" encoding="UTF-8"?><rsm:CrossIndustryInvoice …/>',
)


@routes.get("/invoices/<invoice_id>/payments", response=m.PaymentList, errors=("not_found",))
def list_invoice_payments(invoice_id: str) -> dict[str, Any]:
    """The payments recorded against an invoice, oldest first

    Each says how §367 BGB split it: `to_fees`, `to_interest`, `to_principal`.
    """
    return {"items": payments.payments_of(current_box().db.reader(), _id(invoice_id))}


@routes.post(
    "/invoices/<invoice_id>/payments",
    scope="manager",
    body=m.InvoicePaymentIn,
    response=m.PaymentResult,
    status=201,
    errors=(*WRITE_ERRORS, "payment_exceeds_owed", "insufficient_funds"),
)
def record_invoice_payment(invoice_id: str, body: m.InvoicePaymentIn) -> Response:
    """Record a payment: fees first, then interest, then principal (§367 BGB)

    `credit` takes it from the customer's stored value, bonus first, in the
    same transaction (`insufficient_funds` when it does not cover it). More
    than the invoice owes is `payment_exceeds_owed` with `owed`. The invoice
    is `paid` only when principal, fees and interest are all 0.
    """
    iid = _id(invoice_id)
    config = current_box().config
    actor = Actor(current_actor(), now_iso())

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        pid = payments.record_payment(
            conn, config, actor, iid, body.method, body.amount, body.reference
        )
        row = conn.execute("SELECT * FROM invoice_payments WHERE id = ?", [pid]).fetchone()
        return {
            "payment": payments.payment_out(row),
            "invoice": views.invoice_out(conn, config, iid),
        }, 201

    return commit(txn)
