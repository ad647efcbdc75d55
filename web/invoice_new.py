"""A new invoice by hand (managers): the customer, lines as in a checkout,
notes → a draft, which the detail page then issues. The dunning run: what it
would do today first (a dry run), then the run itself, its reminders listed."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from edge.api.context import current_box
from edge.invoices import book
from edge.invoices.dunning import dunning_run
from edge.platform.actor import Actor
from edge.platform.clock import now_iso
from web import invoice_forms as forms
from web import queries
from web.auth import current_actor, login_required
from web.blueprint import bp
from web.i18n import t
from web.invoice_lists import customer_of
from web.invoices import submit
from web.problems import text as problem_text


def _form(errors: dict[str, str], customer: str, status: int = 200) -> tuple[str, int]:
    return render_template(
        "invoices/new.html",
        errors=errors,
        values=request.form,
        customer=customer,
        rows=range(forms.LINE_ROWS),
        rates=forms.VAT_RATES,
    ), status


@bp.route("/invoices/new", methods=["GET", "POST"])
@login_required("manager")
def invoice_new() -> Any:
    conn = current_box().db.reader()
    if request.method == "GET":
        picked = (
            customer_of(conn, int(request.args.get("customer", "0") or 0))
            if (request.args.get("customer", "").isdigit())
            else None
        )
        return _form({}, str(picked["customer_number"]) if picked else "")
    number = request.form.get("customer", "").strip()[:32]
    cid = queries.id_by_number(conn, number)
    model, errors = forms.draft_lines(request.form, cid or 0)
    if cid is None:
        errors["customer"] = t("no_such_number")
    if errors or model is None:
        return _form(errors, number, 422)
    config = current_box().config

    def draft(conn: sqlite3.Connection, actor: Actor) -> int:
        return book.create_draft(conn, config, actor, cid, model.lines, model.notes)

    refusal, invoice_id = submit("draft", (cid, model.model_dump_json()), draft)
    if refusal is not None:
        return _form({"customer": problem_text(refusal)}, number, 422)
    if invoice_id is None:  # this form was sent before: its draft is in the list
        return redirect(url_for("web.invoices", customer=cid, state="draft"))
    return redirect(url_for("web.invoice_detail", invoice_id=invoice_id))


def _names(conn: sqlite3.Connection, result: dict[str, Any]) -> dict[str, Any]:
    ids = sorted({int(r["customer_id"]) for r in result["reminders"]})
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT id, display_name FROM customers WHERE id IN ({marks})", ids
    ).fetchall()
    return {str(r["id"]): r["display_name"] for r in rows}


@bp.route("/invoices/dunning")
@login_required("cashier")
def dunning() -> str:
    """What today's run would do (a dry run: nothing is written)."""
    box = current_box()
    actor = Actor(current_actor(), now_iso())
    on = book.box_date(box.config, actor.at)
    return _page(dunning_run(box.db.reader(), box.config, actor, on, dry_run=True), done=False)


@bp.route("/invoices/dunning/run", methods=["POST"])
@login_required("manager")
def dunning_now() -> Any:
    config = current_box().config

    def run(conn: sqlite3.Connection, actor: Actor) -> dict[str, Any]:
        return dunning_run(conn, config, actor, book.box_date(config, actor.at))

    refusal, result = submit("dunning", (), run)
    if refusal is not None:
        flash(problem_text(refusal), "error")
    if result is None:  # sent twice: show what is left to do today
        return redirect(url_for("web.dunning"))
    return _page(result, done=True)


def _page(result: dict[str, Any], *, done: bool) -> str:
    names = _names(current_box().db.reader(), result)
    return render_template("invoices/dunning.html", result=result, done=done, names=names)
