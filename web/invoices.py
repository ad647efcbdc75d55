"""Invoices (BACKOFFICE §8–§9): the box-wide list with its overdue totals,
one invoice with its PDF preview, and the manager's actions — a payment,
issuing a draft, cancelling by credit note, waiving fees or interest, a new
invoice by hand.

Every action calls the same functions as the API (``edge.invoices``) in one
write transaction, once per form nonce: the nonce is a durable idempotency
key in the staff member's scope, as for the credit tab (web/credit.py), so a
double click or a re-post records one payment. Refusals show next to the
field they are about (an overpayment on the amount).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for

from edge.api.context import current_box
from edge.api.idempotency import PROBLEMS
from edge.errors import DomainError, NotFound
from edge.invoices import book, documents, payments, views
from edge.invoices.waivers import waive
from edge.platform.actor import Actor
from edge.platform.bounds import parse_row_id
from edge.platform.clock import now_iso
from edge.platform.idempotency import IdemKey, IdempotencyConflict, guarded, request_hash, settle
from web import invoice_forms as forms
from web import invoice_lists as lists
from web.auth import current_actor, login_required
from web.blueprint import bp
from web.credit import MAX_NONCE, _refusal
from web.i18n import t
from web.panel import money
from web.problems import text as problem_text

METHODS = ("cash", "transfer", "card", "sepa", "credit")


def _invoice_id(raw: str) -> int:
    value = parse_row_id(raw)
    if value is None:
        abort(404)
    return value


def _row(invoice_id: int) -> sqlite3.Row:
    try:
        return book.invoice_row(current_box().db.reader(), invoice_id)
    except NotFound:
        abort(404)


# -- once per form ------------------------------------------------------------------


def submit(
    name: str, args: tuple[Any, ...], fn: Callable[[sqlite3.Connection, Actor], Any]
) -> tuple[DomainError | None, Any]:
    """Run ``fn`` in one write, once per the form's nonce: (refusal, body).

    A nonce sent again with the same form answers the first outcome; with an
    edited form (a reused nonce) nothing is run and both are None.
    """
    nonce = request.form.get("nonce", "")
    if not nonce or len(nonce) > MAX_NONCE or not nonce.isprintable():
        abort(400)  # every invoice form carries one; without it a retry could book twice
    actor = Actor(current_actor(), now_iso())
    key = IdemKey(actor.name, nonce, request_hash(request.path, json.dumps([name, *args])))

    def txn(conn: sqlite3.Connection) -> tuple[Any, int]:
        return fn(conn, actor), 200

    try:
        outcome, _ = settle(key, current_box().db.write(guarded(key, txn, PROBLEMS)))
    except IdempotencyConflict:
        return None, None
    if outcome.problem:
        return _refusal(outcome.body()), None
    return None, outcome.body()


# -- pages ------------------------------------------------------------------------------


@bp.route("/invoices")
@login_required("cashier")
def invoices() -> str:
    f = lists.filters(request.args)
    conn = current_box().db.reader()
    found = lists.find_customer(conn, f["q"], f["customer"])
    page = None if found.ambiguous else lists.listing(conn, f, found.customer_id)
    return render_template("invoices/list.html", f=f, found=found, page=page)


def detail_context(invoice_id: int) -> dict[str, Any]:
    box = current_box()
    conn = box.db.reader()
    row = book.invoice_row(conn, invoice_id)
    inv = views.invoice_out(conn, box.config, invoice_id)
    return {
        "inv": inv,
        "row": row,
        "customer": lists.customer_of(conn, row["customer_id"]),
        "payments": payments.payments_of(conn, invoice_id),
        "vat": book.document_of(row).vat if row["document_json"] else (),
        "notices": conn.execute(
            "SELECT * FROM dunning_notices WHERE invoice_id = ? ORDER BY id", [invoice_id]
        ).fetchall(),
        "history": lists.history_of(conn, row["customer_id"], invoice_id),
        "methods": METHODS,
        "event_text": lists.event_text,
        "errors": {},
        "which": "",
        "values": {},
    }


def _detail(invoice_id: int, which: str = "", errors: dict[str, str] | None = None) -> Any:
    if not errors:
        return redirect(url_for("web.invoice_detail", invoice_id=invoice_id))
    ctx = detail_context(invoice_id)
    ctx.update(which=which, errors=errors, values=request.form)
    return render_template("invoices/detail.html", **ctx), 422


@bp.route("/invoices/<invoice_id>")
@login_required("cashier")
def invoice_detail(invoice_id: str) -> str:
    iid = _invoice_id(invoice_id)
    _row(iid)
    return render_template("invoices/detail.html", **detail_context(iid))


def _document(invoice_id: str, suffix: str, mimetype: str) -> Response:
    row = _row(_invoice_id(invoice_id))
    if row["xml"] is None:
        abort(404)
    try:
        content = documents.pdf_for(current_box(), row) if suffix == "pdf" else bytes(row["xml"])
    except NotFound:
        abort(404)
    resp = Response(content, mimetype=mimetype)
    disposition = "inline" if suffix == "pdf" else "attachment"
    resp.headers["Content-Disposition"] = f'{disposition}; filename="{row["number"]}.{suffix}"'
    if suffix == "pdf":
        # The detail page shows it in a frame: allowed from the panel itself only.
        resp.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    return resp


@bp.route("/invoices/<invoice_id>/pdf")
@login_required("cashier")
def invoice_pdf(invoice_id: str) -> Response:
    return _document(invoice_id, "pdf", "application/pdf")


@bp.route("/invoices/<invoice_id>/xml")
@login_required("cashier")
def invoice_xml(invoice_id: str) -> Response:
    return _document(invoice_id, "xml", "application/xml")


# -- actions (managers, as in the API) ------------------------------------------------


def _field_errors(refusal: DomainError, default: str) -> dict[str, str]:
    """A refusal next to its field: the fields it names, else ``default``."""
    named = {x["field"]: problem_text(refusal) for x in refusal.errors if x.get("field")}
    return named or {default: problem_text(refusal)}


def _flash_refusal(invoice_id: int, refusal: DomainError | None, done: str) -> Response:
    if refusal is None:
        flash(done, "ok")
    else:
        flash(problem_text(refusal), "error")
    return redirect(url_for("web.invoice_detail", invoice_id=invoice_id))


@bp.route("/invoices/<invoice_id>/payments", methods=["POST"])
@login_required("manager")
def invoice_pay(invoice_id: str) -> Any:
    iid = _invoice_id(invoice_id)
    _row(iid)
    method = request.form.get("method", "")
    amount, errors = forms.money_field(request.form, "amount")
    if method not in METHODS:
        errors["method"] = t("bad_choice")
    reference, ref_error = forms.cf.clean_line(request.form.get("reference", "").strip()[:200])
    if ref_error:
        errors["reference"] = ref_error
    if errors or amount is None:
        return _detail(iid, "pay", errors)
    config = current_box().config

    def pay(conn: sqlite3.Connection, actor: Actor) -> int:
        return payments.record_payment(
            conn,
            config,
            actor,
            iid,
            method,
            amount,
            reference or None,  # type: ignore[arg-type]
        )

    refusal, _ = submit("payment", (iid, method, amount, reference), pay)
    if refusal is None:
        flash(t("inv_paid_done", amount=money(amount)), "ok")
        return _detail(iid)
    if refusal.code == "payment_exceeds_owed":
        owed = money(int(refusal.numbers.get("owed", 0)))
        return _detail(iid, "pay", {"amount": t("inv_err_exceeds", owed=owed)})
    return _detail(iid, "pay", _field_errors(refusal, "amount"))


@bp.route("/invoices/<invoice_id>/issue", methods=["POST"])
@login_required("manager")
def invoice_issue(invoice_id: str) -> Response:
    iid = _invoice_id(invoice_id)
    _row(iid)
    config = current_box().config
    refusal, number = submit(
        "issue", (iid,), lambda conn, actor: book.issue(conn, config, actor, iid)
    )
    return _flash_refusal(iid, refusal, t("inv_issued_done", number=number or ""))


@bp.route("/invoices/<invoice_id>/cancel", methods=["POST"])
@login_required("manager")
def invoice_cancel(invoice_id: str) -> Any:
    iid = _invoice_id(invoice_id)
    _row(iid)
    reason, errors = forms.reason_field(request.form)
    if request.form.get("confirm") != "1":
        errors["confirm"] = t("inv_err_confirm")
    if errors:
        return _detail(iid, "cancel", errors)
    config = current_box().config
    refusal, note_id = submit(
        "cancel", (iid, reason), lambda conn, actor: book.cancel(conn, config, actor, iid, reason)
    )
    if refusal is not None:
        return _detail(iid, "cancel", _field_errors(refusal, "reason"))
    flash(t("inv_cancelled_done"), "ok")
    if note_id is None:
        return _detail(iid)
    return redirect(url_for("web.invoice_detail", invoice_id=note_id))


@bp.route("/invoices/<invoice_id>/waive", methods=["POST"])
@login_required("manager")
def invoice_waive(invoice_id: str) -> Any:
    iid = _invoice_id(invoice_id)
    _row(iid)
    fees, errors = forms.money_field(request.form, "fees", optional=True)
    interest, more = forms.money_field(request.form, "interest", optional=True)
    reason, reason_errors = forms.reason_field(request.form)
    errors.update(more)
    errors.update(reason_errors)
    if errors or fees is None or interest is None:
        return _detail(iid, "waive", errors)
    refusal, _ = submit(
        "waive",
        (iid, fees, interest, reason),
        lambda conn, actor: waive(conn, actor, iid, fees, interest, reason),
    )
    if refusal is None:
        flash(t("inv_waived_done"), "ok")
        return _detail(iid)
    return _detail(iid, "waive", lists.waiver_errors(refusal, _row(iid)))
