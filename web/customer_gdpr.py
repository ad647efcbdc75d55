"""GDPR on the customer page (managers): the export ZIP, and the erasure
confirmed by typing the customer number; refusals list their reasons."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from edge.api.context import current_box
from edge.api.gdpr import export_response
from edge.customers.gdpr import erasure
from edge.customers.gdpr.later_sections import sweep_erased_documents
from edge.customers.gdpr.sections import REASON_CODES
from edge.errors import ErasureRefused
from edge.platform.clock import now_iso
from web.auth import current_actor, login_required
from web.blueprint import bp
from web.customers import load
from web.i18n import t

#: Shown as t("erase_reason_" ~ code).
REASONS = REASON_CODES


@bp.route("/customers/<customer_id>/gdpr-export")
@login_required("manager")
def customer_gdpr_export(customer_id: str) -> Response:
    return export_response(int(load(customer_id)["id"]), current_actor())


def _page(
    c: dict[str, Any], reasons: list[dict[str, Any]], error: str | None, status: int
) -> tuple[str, int]:
    page = render_template(
        "customers/erase.html",
        c=c,
        reasons=reasons,
        error=error,
        typed=request.form.get("number", ""),
        config=current_box().config,
    )
    return page, status


@bp.route("/customers/<customer_id>/erase", methods=["GET", "POST"])
@login_required("manager")
def customer_erase(customer_id: str) -> str | Response | tuple[str, int]:
    c = load(customer_id)
    cid = int(c["id"])
    box = current_box()
    if c.get("erased_at"):
        return redirect(url_for("web.customer_detail", customer_id=cid))
    reasons = erasure.refusals(box.db.reader(), cid)
    if request.method == "GET" or reasons:
        return _page(c, reasons, None, 409 if reasons and request.method == "POST" else 200)
    if request.form.get("number", "").strip() != str(c["customer_number"]):
        return _page(c, [], t("erase_wrong_number"), 422)
    actor = current_actor()
    try:
        answer = box.db.write(
            lambda conn: erasure.erase_customer(
                conn, cid, actor=actor, now=now_iso(), config=box.config
            )
        )
    except ErasureRefused as e:  # something was booked in between
        return _page(c, e.reasons, None, 409)
    sweep_erased_documents(box.db, cid)  # the bytes go once the erasure is durable
    flash(t("erase_ok", pseudonym=answer["pseudonym"]), "ok")
    return redirect(url_for("web.customer_detail", customer_id=cid, tab="history"))
