"""Credit tab actions: top-up (cashier+), payout and correction (manager+).

Each runs the money service directly on the writer (no HTTP round trip),
exactly like the API does, so limits, bonus tiers and blocked-customer rules
are the same. A form nonce keeps a double click from booking twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from edge.api.context import current_box
from edge.errors import DomainError
from edge.money import service as money
from edge.platform.clock import now_iso
from web import customer_form as cf
from web import fmt
from web.auth import current_actor, login_required
from web.blueprint import bp
from web.customers import detail_context, load
from web.i18n import t
from web.panel import claim_nonce, currency
from web.panel import money as show_money
from web.problems import text as problem_text

Op = Callable[[sqlite3.Connection, Any, money.Actor], tuple[dict[str, Any], int]]


def _amount(name: str, *, signed: bool = False) -> tuple[int | None, str | None]:
    try:
        value = fmt.parse_money(request.form.get(name, ""), currency=currency(), signed=signed)
    except ValueError as e:
        return None, cf.message(str(e))
    if value == 0:
        return None, cf.message("err_amount_positive")
    return value, None


def _redisplay(customer_id: str, form: str, errors: dict[str, str]) -> tuple[str, int]:
    """Re-show the Credit tab with the errors next to the fields."""
    ctx = detail_context(load(customer_id), "credit")
    return render_template(
        "customers/detail.html", **ctx, op_form=form, op_errors=errors, op_values=request.form
    ), 422


def _book(customer_id: str, form: str, op: Op) -> dict[str, Any] | tuple[str, int] | Response:
    """Run ``op`` once; on a refusal show why next to the form."""
    cid = int(load(customer_id)["id"])
    nonce = request.form.get("nonce", "")
    if not nonce:
        abort(400)  # every money form carries one; without it a retry could book twice
    if not claim_nonce(nonce):
        # Second submit of the same form (double click, reload): already booked.
        return redirect(url_for("web.customer_detail", customer_id=cid, tab="credit"))
    box = current_box()
    actor = money.Actor(current_actor(), now_iso())
    try:
        body, _ = box.db.write(lambda conn: op(conn, box.config, actor))
    except DomainError as e:
        # Refusals (blocked, not enough credit, over a limit) are about the amount.
        fields = [x.get("field") for x in e.errors]
        return _redisplay(
            customer_id, form, {"reason" if "reason" in fields else "amount": problem_text(e)}
        )
    return body


def _done(customer_id: str, result: dict[str, Any] | tuple[str, int] | Response, msg: str) -> Any:
    if not isinstance(result, dict):
        return result
    flash(msg, "ok")
    return redirect(url_for("web.customer_detail", customer_id=customer_id, tab="credit"))


@bp.route("/customers/<customer_id>/topup", methods=["POST"])
@login_required("cashier")
def credit_topup(customer_id: str) -> Any:
    amount, error = _amount("amount")
    if error or amount is None:
        return _redisplay(customer_id, "topup", {"amount": error or ""})
    receipt = request.form.get("receipt_no", "").strip()[:64] or None
    result = _book(
        customer_id,
        "topup",
        lambda conn, config, actor: money.topup(
            conn, config, actor, int(customer_id), amount, receipt
        ),
    )
    if isinstance(result, dict) and result.get("bonus_granted"):
        msg = t(
            "topup_done_bonus",
            amount=show_money(amount),
            bonus=show_money(result["bonus_granted"]),
        )
    else:
        msg = t("topup_done", amount=show_money(amount))
    return _done(customer_id, result, msg)


@bp.route("/customers/<customer_id>/payout", methods=["POST"])
@login_required("manager")
def credit_payout(customer_id: str) -> Any:
    amount, error = _amount("amount")
    if error or amount is None:
        return _redisplay(customer_id, "payout", {"amount": error or ""})
    reason = request.form.get("reason", "").strip()[:500] or None
    result = _book(
        customer_id,
        "payout",
        lambda conn, config, actor: money.payout(
            conn, config, actor, int(customer_id), amount, reason
        ),
    )
    return _done(customer_id, result, t("payout_done", amount=show_money(amount)))


@bp.route("/customers/<customer_id>/correction", methods=["POST"])
@login_required("manager")
def credit_correction(customer_id: str) -> Any:
    account = request.form.get("account", "cash")
    if account not in ("cash", "bonus", "points"):
        account = "cash"
    errors: dict[str, str] = {}
    if account == "points":
        raw = request.form.get("amount", "").strip().replace(".", "").replace(",", "")
        try:
            amount: int | None = int(raw)
        except ValueError:
            amount, errors["amount"] = None, cf.message("not_int")
        if amount == 0:
            errors["amount"] = cf.message("err_amount_positive")
    else:
        amount, error = _amount("amount", signed=True)
        if error:
            errors["amount"] = error
    reason = request.form.get("reason", "").strip()[:500]
    if not reason:
        errors["reason"] = t("reason") + ": " + cf.message("err_reason_missing")
    if errors or amount is None:
        return _redisplay(customer_id, "correction", errors)
    result = _book(
        customer_id,
        "correction",
        lambda conn, config, actor: money.correction(
            conn, config, actor, int(customer_id), account, amount, reason
        ),
    )
    return _done(customer_id, result, t("correction_done"))
