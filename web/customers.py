"""Customers: list with search as you type and filters, the detail page with
its tabs, create and edit with field-level errors, (de)activation, merge."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from edge.api.context import current_box
from edge.api.problems import status_of
from edge.customers import cards, service
from edge.customers.delivery import store as delivery
from edge.customers.delivery import worker as geocoding
from edge.customers.documents import records as documents
from edge.customers.validate import normalize_fields
from edge.errors import DomainError, DuplicateCustomer, FieldErrors
from edge.invoices.book import box_date
from edge.money import merge as merging
from edge.platform.bounds import parse_row_id
from edge.platform.clock import now_iso
from edge.subscriptions import store as subscriptions
from web import customer_form as cf
from web import fmt, invoice_lists, queries
from web.auth import current_actor, login_required
from web.blueprint import bp
from web.i18n import has, lang, t
from web.panel import expert
from web.problems import text as problem_text

TABS = (
    "general",
    "credit",
    "points",
    "purchases",
    "invoices",
    "addresses",
    "documents",
    "history",
    "subscriptions",
)
EXPERT_TABS = ("subscriptions",)  # shown in Expert mode only


def visible_tabs() -> tuple[str, ...]:
    return tuple(x for x in TABS if expert() or x not in EXPERT_TABS)


STATUSES = ("active", "inactive")
TYPES = ("individual", "business")


# -- list -------------------------------------------------------------------------------


def _filters() -> dict[str, Any]:
    args = request.args
    status = args.get("status", "active")
    group = args.get("group", "")
    return {
        "q": args.get("q", "")[:100],
        "status": status if status in STATUSES else "",
        "type": args.get("type") if args.get("type") in TYPES else "",
        "group": group if parse_row_id(group) is not None else "",
        "cursor": args.get("cursor") or None,
    }


def _search(f: dict[str, Any]) -> dict[str, Any]:
    box = current_box()

    def page(cursor: str | None) -> dict[str, Any]:
        return queries.search_page(
            box.db.reader(),
            f["q"],
            status=f["status"] or None,
            type_=f["type"] or None,
            group_id=int(f["group"]) if f["group"] else None,
            region=box.config.box.country,
            cursor=cursor,
        )

    try:
        return page(f["cursor"])
    except DomainError:  # a stale cursor from an older query: start over
        return page(None)


def _list(template: str) -> str:
    f = _filters()
    groups = queries.groups(current_box().db.reader())
    return render_template(
        template, f=f, page=_search(f), groups=groups, group_by_id={str(g["id"]): g for g in groups}
    )


@bp.route("/customers")
@login_required("cashier")
def customers() -> str:
    return _list("customers/list.html")


@bp.route("/customers/rows")
@login_required("cashier")
def customer_rows() -> str:
    """The result fragment the search box re-renders while typing."""
    return _list("customers/_rows.html")


# -- detail -------------------------------------------------------------------------------


def load(customer_id: str) -> dict[str, Any]:
    """The full record, or the panel's 404 page."""
    box = current_box()
    try:
        return service.get_customer(
            box.db.reader(), service.parse_id(customer_id), config=box.config
        )
    except DomainError:
        abort(404)


def detail_context(customer: dict[str, Any], tab: str) -> dict[str, Any]:
    conn = current_box().db.reader()
    cid = int(customer["id"])
    config = current_box().config
    ctx: dict[str, Any] = {"c": customer, "tab": tab, "tabs": visible_tabs(), "config": config}
    if tab == "general":
        ctx["sections"] = cf.sections(expert())
        ctx["value"] = lambda f: customer.get(f.name)
        ctx["help_text"] = cf.help_text
    elif tab == "credit":
        ctx["entries"] = queries.journal(conn, cid, ("cash", "bonus"))
    elif tab == "points":
        ctx["entries"] = queries.journal(conn, cid, ("points",))
    elif tab == "purchases":
        ctx["purchases"] = queries.purchases(conn, cid)
    elif tab == "invoices":
        ctx["f"] = invoice_lists.filters(request.args)
        ctx["page"] = invoice_lists.listing(conn, ctx["f"], cid)
    elif tab == "addresses":
        ctx["addresses"] = delivery.list_addresses(conn, cid)["items"]
        ctx["geocoding"] = geocoding.configured(current_box())
    elif tab == "documents":
        ctx["documents"] = documents.list_documents(conn, cid)
    elif tab == "history":
        ctx["history"] = service.history(conn, cid, limit=200, after=None, offset=0)["items"]
        ctx["field_label"] = _history_label
    elif tab == "subscriptions":
        today = box_date(config, now_iso())
        page = subscriptions.list_subscriptions(conn, config, today, customer_id=cid, limit=500)
        ctx["subscriptions"] = page["items"]
        ctx["today"] = today.isoformat()
        ctx["amount_input"] = lambda m: fmt.minor_to_input(m, lang(), config.box.currency)
    return ctx


def _history_label(field: str) -> str:
    if field in cf.BY_NAME:
        return cf.BY_NAME[field].label
    key = f"hist_{field}"
    return t(key) if has(key) else field


@bp.route("/customers/<customer_id>")
@login_required("cashier")
def customer_detail(customer_id: str) -> str:
    customer = load(customer_id)
    tab = request.args.get("tab", "general")
    if tab not in visible_tabs():
        tab = "general"
    return render_template("customers/detail.html", **detail_context(customer, tab))


# -- create / edit -----------------------------------------------------------------------


def _form_names() -> list[str]:
    """The fields the posted form showed (only those change; Normal hides the rest)."""
    sent = request.form.get("_fields", "").split(",")
    return [n for n in sent if n in cf.BY_NAME]


REQUIRED = {
    "individual": ("last_name", "required for an individual customer"),
    "business": ("company_name", "required for a business customer"),
}


def _required(values: dict[str, Any], names: list[str]) -> dict[str, str]:
    # The service checks this too, but only after the other fields pass:
    # checking here shows every problem of the form at once.
    field, msg = REQUIRED.get(values.get("type") or "individual", REQUIRED["individual"])
    if field in names and not values.get(field):
        return {field: cf.message(msg)}
    return {}


def _check(names: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    values, type_errors = cf.parse(request.form, names)
    errors = {**_required(values, names), **type_errors}
    if type_errors:
        return values, errors  # normalising needs typed values
    box = current_box()
    try:
        values = normalize_fields(values, box.config.box.country, service.today_utc())
    except FieldErrors as e:
        for x in e.errors:
            errors.setdefault(x["field"], cf.field_message(x["field"], x["message"]))
    return values, errors


def _refused_fields(e: FieldErrors, customer: dict[str, Any] | None) -> tuple[str, int]:
    """The form again, as posted, with each refused field's message beside it."""
    errs = {x["field"]: cf.field_message(x["field"], x["message"]) for x in e.errors}
    return _form_page(_posted_values(), errs, customer=customer, status=status_of(e))


def _form_page(
    template_values: dict[str, Any],
    errors: dict[str, str],
    *,
    customer: dict[str, Any] | None,
    duplicates: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    groups = queries.groups(current_box().db.reader())
    return render_template(
        "customers/form.html",
        c=customer,
        sections=cf.sections(expert()),
        values=template_values,
        errors=errors,
        groups=groups,
        duplicates=duplicates or [],
        to_input=cf.to_input,
        help_text=cf.help_text,
    ), status


def _posted_values() -> dict[str, Any]:
    """Re-show exactly what was typed (not the parsed values)."""
    out: dict[str, Any] = {}
    for name in _form_names():
        field = cf.BY_NAME[name]
        if field.kind == "bool":
            out[name] = request.form.get(name) in ("1", "on", "true")
        else:
            out[name] = request.form.get(name, "")
    return out


@bp.route("/customers/new", methods=["GET", "POST"])
@login_required("cashier")
def customer_new() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        start = {"type": "individual"}
        q = request.args.get("q", "").strip()
        if q and not any(ch.isdigit() for ch in q) and "@" not in q:
            start["last_name"] = q  # came from an empty search: keep what was typed
        return _form_page(
            {f.name: cf.to_input(f, start.get(f.name)) for f in cf.FIELDS}, {}, customer=None
        )
    names = _form_names()
    values, errors = _check(names)
    if errors:
        return _form_page(_posted_values(), errors, customer=None, status=422)
    box, actor = current_box(), current_actor()
    allow = request.form.get("allow_duplicate") == "1"

    def txn(conn: sqlite3.Connection) -> int:
        return service.create_customer(
            conn, values, config=box.config, actor=actor, now=now_iso(), allow_duplicate=allow
        )

    try:
        cid = box.db.write(txn)
    except FieldErrors as e:
        return _refused_fields(e, None)
    except DuplicateCustomer as e:
        dupes = e.numbers.get("candidates", [])
        return _form_page(_posted_values(), {}, customer=None, duplicates=dupes, status=409)
    except DomainError as e:
        flash(problem_text(e), "error")
        return _form_page(_posted_values(), {}, customer=None, status=status_of(e))
    number = (
        box.db.reader()
        .execute("SELECT customer_number FROM customers WHERE id = ?", [cid])
        .fetchone()[0]
    )
    flash(t("created_ok", n=number), "ok")
    return redirect(url_for("web.customer_detail", customer_id=cid))


@bp.route("/customers/<customer_id>/edit", methods=["GET", "POST"])
@login_required("cashier")
def customer_edit(customer_id: str) -> str | Response | tuple[str, int]:
    customer = load(customer_id)
    if request.method == "GET":
        shown = {f.name: cf.to_input(f, customer.get(f.name)) for f in cf.FIELDS}
        return _form_page(shown, {}, customer=customer)
    values, errors = _check(_form_names())
    if errors:
        return _form_page(_posted_values(), errors, customer=customer, status=422)
    box, actor = current_box(), current_actor()
    cid = int(customer["id"])

    def txn(conn: sqlite3.Connection) -> list[str]:
        return service.update_customer(
            conn, cid, values, config=box.config, actor=actor, now=now_iso()
        )

    try:
        changed = box.db.write(txn)
    except FieldErrors as e:
        return _refused_fields(e, customer)
    except DomainError as e:
        flash(problem_text(e), "error")
        return _form_page(_posted_values(), {}, customer=customer, status=status_of(e))
    flash(t("updated_ok") if changed else t("nothing_changed"), "ok")
    return redirect(url_for("web.customer_detail", customer_id=cid))


# -- status and merge (managers, as in the API) ----------------------------------------


@bp.route("/customers/<customer_id>/status", methods=["POST"])
@login_required("manager")
def customer_status(customer_id: str) -> Response:
    customer = load(customer_id)
    status = request.form.get("status")
    if status not in STATUSES:
        abort(400)
    cid = int(customer["id"])
    try:
        current_box().db.write(
            lambda c: service.set_status(c, cid, status, actor=current_actor(), now=now_iso())
        )
        flash(t("deactivated_ok") if status == "inactive" else t("reactivated_ok"), "ok")
    except DomainError as e:
        flash(problem_text(e), "error")
    return redirect(url_for("web.customer_detail", customer_id=cid))


@bp.route("/customers/<customer_id>/merge", methods=["GET", "POST"])
@login_required("manager")
def customer_merge(customer_id: str) -> str | Response | tuple[str, int]:
    customer = load(customer_id)
    cid = int(customer["id"])
    conn = current_box().db.reader()
    candidates = service.find_duplicates(conn, customer, exclude=cid)
    error = None
    if request.method == "POST":
        source = queries.id_by_number(conn, request.form.get("source", ""))
        if source is None:
            error = t("no_such_number")
        else:
            actor = current_actor()
            try:
                current_box().db.write(
                    lambda c: merging.merge_customers(c, cid, source, actor=actor, now=now_iso())
                )
                flash(t("merge_ok", n=request.form.get("source", "").strip()), "ok")
                return redirect(url_for("web.customer_detail", customer_id=cid, tab="history"))
            except DomainError as e:
                # A source with money left would need journal entries to move it.
                error = t("merge_has_balance") if "cash" in e.numbers else problem_text(e)
    status = 422 if error else 200
    return render_template(
        "customers/merge.html",
        c=customer,
        candidates=candidates,
        error=error,
        source=request.form.get("source", request.args.get("source", "")),
    ), status


# -- cards (expert view of the General tab) ---------------------------------------------


@bp.route("/customers/<customer_id>/cards", methods=["POST"])
@login_required("cashier")
def card_add(customer_id: str) -> str | Response | tuple[str, int]:
    customer = load(customer_id)
    cid = int(customer["id"])
    deposit = request.form.get("deposit_paid") == "1"
    actor = current_actor()
    try:
        uid = cards.parse_uid(request.form.get("uid", ""))
        current_box().db.write(
            lambda c: cards.add_card(c, cid, uid, deposit_paid=deposit, actor=actor, now=now_iso())
        )
    except DomainError as e:
        message = cf.message(e.errors[0]["message"]) if e.errors else problem_text(e)
        ctx = detail_context(customer, "general")
        return render_template("customers/detail.html", **ctx, card_error=message), 422
    flash(t("saved"), "ok")
    return redirect(url_for("web.customer_detail", customer_id=cid) + "#cards")


@bp.route("/customers/<customer_id>/cards/block", methods=["POST"])
@login_required("cashier")
def card_block(customer_id: str) -> Response:
    cid = int(load(customer_id)["id"])
    reason = request.form.get("reason")
    uid = request.form.get("uid", "")
    conn = current_box().db.reader()
    row = conn.execute("SELECT customer_id FROM cards WHERE uid = ?", [uid]).fetchone()
    if reason not in ("blocked", "lost") or row is None or row["customer_id"] != cid:
        abort(404)
    actor = current_actor()
    current_box().db.write(lambda c: cards.block_card(c, uid, reason, actor=actor, now=now_iso()))
    flash(t("saved"), "ok")
    return redirect(url_for("web.customer_detail", customer_id=cid) + "#cards")
