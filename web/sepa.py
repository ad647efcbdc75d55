"""The SEPA page (BACKOFFICE §10, docs/sepa.md), for managers: what the next
collection file would collect with its pre-flight result per invoice, making
the file, the files made with their XML, and after the bank: "bank confirmed"
and "record return" with the reason code.

Every action calls the same functions as the API (``edge.sepa.collections``)
in one write, once per form nonce (``web.invoices.submit``): a double click
makes one file. A refused pre-flight stores nothing; the page then shows the
failures again, each with its invoice and field.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import date
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for

from edge.api.context import current_box
from edge.errors import DomainError, NotFound
from edge.invoices.book import box_date
from edge.platform.actor import Actor
from edge.platform.bounds import parse_row_id
from edge.platform.clock import now_iso
from edge.sepa import collections
from web import fmt
from web.auth import login_required
from web.blueprint import bp
from web.i18n import lang, t
from web.invoices import submit
from web.problems import text as problem_text

# ISO 20022 return reasons a bank reports for a SEPA core debit; MD01 and MD06
# revoke the mandate (edge.sepa.mandates.RETURN_REVOKES).
RETURN_REASONS = ("AC04", "AC06", "AG01", "AM04", "MD01", "MD06", "MS02", "MS03", "SL01")
STATES = ("pending", "confirmed", "returned")


def _today() -> date:
    return box_date(current_box().config, now_iso())


def _id(raw: str) -> int:
    value = parse_row_id(raw)
    if value is None:
        abort(404)
    return value


def _file(conn: sqlite3.Connection, file_id: int) -> dict[str, Any]:
    try:
        return collections.file_out(conn, file_id)
    except NotFound:
        abort(404)


def _states(items: list[dict[str, Any]]) -> dict[str, int]:
    counted = Counter(c["state"] for c in items)
    return {s: counted[s] for s in STATES if counted[s]}


@bp.route("/sepa")
@login_required("manager")
def sepa() -> str:
    box = current_box()
    conn = box.db.reader()
    today = _today()
    preview = collections.preview(conn, box.config, today)
    by_invoice: dict[str, list[dict[str, str]]] = {}
    for f in preview["failures"]:
        by_invoice.setdefault(f["invoice_number"], []).append(f)
    listed = {d["invoice_number"] for d in preview["debits"]}
    files = [
        {**f, "states": _states(collections.collections_of(conn, int(f["id"])))}
        for f in collections.files(conn)
    ]
    return render_template(
        "sepa.html",
        preview=preview,
        file_failures=by_invoice.get("", []),
        by_invoice=by_invoice,
        # Due invoices the file cannot take at all (no mandate): failures only.
        unlisted=[n for n in by_invoice if n and n not in listed],
        files=files,
        creditor=box.config.sepa,
        today=today,
    )


@bp.route("/sepa/files", methods=["POST"])
@login_required("manager")
def sepa_make_file() -> Response:
    config = current_box().config
    today = _today()
    refusal, file_id = submit(
        "sepa_file",
        (today.isoformat(),),
        lambda conn, actor: collections.make_in(conn, config, actor, today, None),
    )
    if refusal is not None:
        # Nothing due (a second tab made the file): the generic sentence speaks of invoices.
        flash(t("sp_none_due") if refusal.code == "conflict" else problem_text(refusal), "error")
        return redirect(url_for("web.sepa"))
    if file_id is None:  # the same form sent again: the file it made is listed
        return redirect(url_for("web.sepa"))
    flash(t("sp_file_made"), "ok")
    return redirect(url_for("web.sepa_file", file_id=file_id))


@bp.route("/sepa/files/<file_id>")
@login_required("manager")
def sepa_file(file_id: str) -> str:
    conn = current_box().db.reader()
    f = _file(conn, _id(file_id))
    return render_template(
        "sepa_file.html", f=f, states=_states(f["collections"]), reasons=RETURN_REASONS,
        today=_today(),
    )  # fmt: skip


@bp.route("/sepa/files/<file_id>/xml")
@login_required("manager")
def sepa_file_xml(file_id: str) -> Response:
    conn = current_box().db.reader()
    row = _file_row(conn, _id(file_id))
    resp = Response(bytes(row["xml"]), mimetype="application/xml")
    resp.headers["Content-Disposition"] = f'attachment; filename="{row["message_id"]}.xml"'
    return resp


def _file_row(conn: sqlite3.Connection, file_id: int) -> sqlite3.Row:
    try:
        return collections.file_row(conn, file_id)
    except NotFound:
        abort(404)


@bp.route("/sepa/files/<file_id>/confirm", methods=["POST"])
@login_required("manager")
def sepa_confirm(file_id: str) -> Response:
    fid = _id(file_id)
    _file_row(current_box().db.reader(), fid)
    config = current_box().config
    try:
        on = date.fromisoformat(request.form.get("on", ""))
    except ValueError:
        flash(t("sp_err_date"), "error")
        return redirect(url_for("web.sepa_file", file_id=fid))

    def run(conn: sqlite3.Connection, actor: Actor) -> dict[str, Any]:
        return collections.confirm(conn, config, actor, fid, on)

    refusal, result = submit("sepa_confirm", (fid, on.isoformat()), run)
    if refusal is not None:
        flash(_confirm_refusal(refusal), "error")
    elif result is not None:
        flash(t("sp_confirmed", n=result["confirmed"], pending=result["pending"]), "ok")
    return redirect(url_for("web.sepa_file", file_id=fid))


def _confirm_refusal(refusal: DomainError) -> str:
    # The generic sentences speak of invoices; these say what the bank step needs.
    if refusal.code == "conflict":
        first = refusal.numbers.get("collection_date")
        if first:
            return t("sp_err_not_yet", date=fmt.day(first, lang()))
        return t("sp_err_nothing_pending")
    if refusal.code == "validation_error":
        return t("sp_err_future")
    return problem_text(refusal)


@bp.route("/sepa/collections/<collection_id>/return", methods=["POST"])
@login_required("manager")
def sepa_return(collection_id: str) -> Response:
    cid = _id(collection_id)
    conn = current_box().db.reader()
    row = conn.execute("SELECT file_id FROM sepa_collections WHERE id = ?", [cid]).fetchone()
    if row is None:
        abort(404)
    fid = int(row["file_id"])
    reason = request.form.get("reason", "")
    if reason not in RETURN_REASONS:
        flash(t("sp_err_reason"), "error")
        return redirect(url_for("web.sepa_file", file_id=fid))
    config = current_box().config

    def run(conn: sqlite3.Connection, actor: Actor) -> dict[str, Any]:
        return collections.record_return(conn, config, actor, cid, reason)

    refusal, result = submit("sepa_return", (cid, reason), run)
    if refusal is not None:
        flash(problem_text(refusal), "error")
    elif result is not None:
        revoked = result["mandate_revoked"]
        text = (
            t("sp_returned_revoked", reason=reason) if revoked else t("sp_returned", reason=reason)
        )
        flash(text, "ok")
    return redirect(url_for("web.sepa_file", file_id=fid))


__all__ = ["RETURN_REASONS"]
