"""Customer groups: name, default discount, colour, sort order (managers)."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from flask import Response as FlaskResponse
from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from edge.api.context import current_box
from edge.api.problems import status_of
from edge.customers import groups as service
from edge.errors import DomainError, NotFound
from edge.platform.bounds import parse_int
from edge.platform.clock import now_iso
from web import customer_form as cf
from web import queries
from web.auth import login_required
from web.blueprint import bp
from web.i18n import t
from web.problems import text as problem_text

COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def _parse() -> tuple[dict[str, Any], dict[str, str]]:
    form = request.form
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    name = form.get("name", "").strip()
    if not name:
        errors["name"] = cf.message("required for a group")
    elif len(name) > 100:
        errors["name"] = cf.message("too_long", n=100)
    else:
        name, error = cf.clean_line(name)
        if error:
            errors["name"] = error
    values["name"] = name
    discount = form.get("default_discount_percent", "").strip()
    if discount == "":
        values["default_discount_percent"] = None
    elif (percent := parse_int(discount, 0, 100)) is not None:
        values["default_discount_percent"] = percent
    else:
        errors["default_discount_percent"] = cf.message("too_large", n=100)
    color = form.get("color", "").strip()
    if color and not COLOR.match(color):
        errors["color"] = cf.message("bad_format")
    values["color"] = color or None
    sort = form.get("sort_order", "0").strip() or "0"
    if (order := parse_int(sort, -1_000_000, 1_000_000)) is not None:
        values["sort_order"] = order
    else:
        errors["sort_order"] = cf.message("not_int")
    return values, errors


def _page(
    errors: dict[str, str] | None = None, edit: str | None = None, status: int = 200
) -> tuple[str, int]:
    groups = queries.groups(current_box().db.reader())
    return render_template(
        "groups.html", groups=groups, errors=errors or {}, edit=edit, form=request.form
    ), status


@bp.route("/groups", methods=["GET", "POST"])
@login_required("manager")
def groups() -> tuple[str, int] | Response:
    if request.method == "GET":
        return _page()
    values, errors = _parse()
    if errors:
        return _page(errors, edit="new", status=422)
    try:
        current_box().db.write(lambda c: service.create_group(c, values, now_iso()))
    except DomainError as e:
        return _page(
            {x["field"]: cf.message(x["message"]) for x in e.errors} or {"name": problem_text(e)},
            edit="new",
            status=status_of(e),
        )
    flash(t("group_saved"), "ok")
    return redirect(url_for("web.groups"))


@bp.route("/groups/<group_id>", methods=["POST"])
@login_required("manager")
def group_update(group_id: str) -> tuple[str, int] | Response:
    box = current_box()
    try:
        gid = service.parse_group_id(group_id)
        if request.form.get("action") == "delete":
            box.db.write(lambda c: service.delete_group(c, gid))
            flash(t("group_deleted"), "ok")
            return redirect(url_for("web.groups"))
        values, errors = _parse()
        if errors:
            return _page(errors, edit=group_id, status=422)

        def txn(c: sqlite3.Connection) -> Any:
            return service.update_group(c, gid, values, now_iso())

        box.db.write(txn)
    except DomainError as e:
        if isinstance(e, NotFound):
            return _page(status=404)
        flash(problem_text(e), "error")
        return redirect(url_for("web.groups"))
    flash(t("group_saved"), "ok")
    return redirect(url_for("web.groups"))


@bp.route("/groups.css")
@login_required("cashier")
def group_colors() -> FlaskResponse:
    """Group colours as classes: the CSP forbids inline style attributes."""
    rows = current_box().db.reader().execute("SELECT id, color FROM customer_groups").fetchall()
    css = "".join(
        f".g-{r['id']}{{background:{r['color']}}}\n"
        for r in rows
        if r["color"] and COLOR.match(r["color"])
    )
    return FlaskResponse(css, mimetype="text/css")
