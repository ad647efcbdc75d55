"""Credit tab actions: top-up (cashier+), payout and correction (manager+).

Each books through the same operation path as the POS API
(:func:`edge.money.operations.submit`): the same operations, limits, bonus
tiers and blocked-customer rules, the same single writer (or the primary's).
The form's nonce is a durable idempotency key in the staff member's scope
(``user:NAME``, which no terminal has), stored in the booking's own
transaction: a double click, a reload or a re-post after a restart books
once and shows the first outcome again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from edge.api.context import current_box
from edge.api.idempotency import PROBLEMS
from edge.customers.fields import MAX_AMOUNT as MAX_POINTS  # CorrectionIn's bound
from edge.errors import DomainError
from edge.money import operations
from edge.platform.actor import Actor
from edge.platform.bounds import parse_int
from edge.platform.clock import now_iso
from edge.platform.idempotency import IdemKey, IdempotencyConflict, request_hash
from web import customer_form as cf
from web import fmt
from web.auth import current_actor, login_required
from web.blueprint import bp
from web.customers import detail_context, load
from web.i18n import t
from web.panel import currency
from web.panel import money as show_money
from web.problems import text as problem_text

MAX_NONCE = 64
# Members of a stored problem document that are not the refusal's numbers.
_PROBLEM_MEMBERS = {"type", "title", "status", "detail", "code", "errors", "message", "details"}


def _amount(*, signed: bool = False) -> tuple[int | None, dict[str, str]]:
    try:
        value = fmt.parse_money(request.form.get("amount", ""), currency=currency(), signed=signed)
    except ValueError as e:
        return None, {"amount": cf.message(str(e))}
    if value == 0:
        return None, {"amount": cf.message("err_amount_positive")}
    return value, {}


def _points() -> tuple[int | None, dict[str, str]]:
    raw = request.form.get("amount", "").strip().replace(".", "").replace(",", "")
    value = parse_int(raw, -(10**40), 10**40)
    if value is None:
        return None, {"amount": cf.message("not_int")}
    if abs(value) > MAX_POINTS:  # the API's CorrectionIn bound, not the core's OverflowError
        return None, {"amount": cf.message("too_large", n=MAX_POINTS)}
    if value == 0:
        return None, {"amount": cf.message("err_amount_positive")}
    return value, {}


def _text(name: str, limit: int) -> tuple[str | None, dict[str, str]]:
    """An optional one-line text field, NFC, without control or bidi characters."""
    value, error = cf.clean_line(request.form.get(name, "").strip()[:limit])
    return (None, {name: error}) if error else (value or None, {})


def _redisplay(customer_id: str, form: str, errors: dict[str, str]) -> tuple[str, int]:
    """Re-show the Credit tab with the errors next to the fields."""
    ctx = detail_context(load(customer_id), "credit")
    return render_template(
        "customers/detail.html", **ctx, op_form=form, op_errors=errors, op_values=request.form
    ), 422


def _refusal(doc: dict[str, Any]) -> DomainError:
    """The refusal a stored problem document describes, for its sentence."""
    numbers = {k: v for k, v in doc.items() if k not in _PROBLEM_MEMBERS}
    return DomainError(doc["code"], doc.get("detail", ""), errors=doc.get("errors"), **numbers)


def _book(
    customer_id: str, form: str, args: tuple[Any, ...], done: Callable[[dict[str, Any]], str]
) -> tuple[str, int] | Response:
    """Submit operation ``form`` once per form nonce; flash ``done(body)`` or
    show the refusal next to the form."""
    cid = int(load(customer_id)["id"])
    nonce = request.form.get("nonce", "")
    if not nonce or len(nonce) > MAX_NONCE or not nonce.isprintable():
        abort(400)  # every money form carries one; without it a retry could book twice
    actor = Actor(current_actor(), now_iso())
    fingerprint = request_hash(request.path, json.dumps([form, cid, *args]))
    booking = operations.Booking(IdemKey(actor.name, nonce, fingerprint), form, actor, (cid, *args))
    credit_tab = redirect(url_for("web.customer_detail", customer_id=cid, tab="credit"))
    try:
        outcome = operations.submit(current_box(), booking, PROBLEMS)
    except IdempotencyConflict:
        return credit_tab  # this form was booked already (then edited and sent again)
    except DomainError as e:  # the primary could not confirm it: the same form may be resent
        return _redisplay(customer_id, form, {"amount": problem_text(e)})
    if outcome.problem:
        # Refusals (blocked, not enough credit, over a limit) are about the amount.
        refusal = _refusal(outcome.body())
        field = "reason" if "reason" in [x.get("field") for x in refusal.errors] else "amount"
        return _redisplay(customer_id, form, {field: problem_text(refusal)})
    flash(done(outcome.body()), "ok")
    return credit_tab


def _topup_done(body: dict[str, Any]) -> str:
    amount = show_money(body["amount"])
    if body.get("bonus_granted"):
        return t("topup_done_bonus", amount=amount, bonus=show_money(body["bonus_granted"]))
    return t("topup_done", amount=amount)


def _amount_form(
    customer_id: str, form: str, text: tuple[str, int], done: Callable[[dict[str, Any]], str]
) -> tuple[str, int] | Response:
    """A form of an amount and one optional text field (``text``: name, length)."""
    amount, errors = _amount()
    note, note_errors = _text(*text)
    if errors or note_errors:
        return _redisplay(customer_id, form, {**errors, **note_errors})
    return _book(customer_id, form, (amount, note), done)


@bp.route("/customers/<customer_id>/topup", methods=["POST"])
@login_required("cashier")
def credit_topup(customer_id: str) -> Any:
    return _amount_form(customer_id, "topup", ("receipt_no", 64), _topup_done)


def _payout_done(body: dict[str, Any]) -> str:
    return t("payout_done", amount=show_money(body["amount"]))


@bp.route("/customers/<customer_id>/payout", methods=["POST"])
@login_required("manager")
def credit_payout(customer_id: str) -> Any:
    return _amount_form(customer_id, "payout", ("reason", 500), _payout_done)


@bp.route("/customers/<customer_id>/correction", methods=["POST"])
@login_required("manager")
def credit_correction(customer_id: str) -> Any:
    account = request.form.get("account", "cash")
    if account not in ("cash", "bonus", "points"):
        account = "cash"
    amount, errors = _points() if account == "points" else _amount(signed=True)
    reason, reason_errors = _text("reason", 500)
    errors.update(reason_errors)
    if not reason and not reason_errors:
        errors["reason"] = t("reason") + ": " + cf.message("err_reason_missing")
    if errors:
        return _redisplay(customer_id, "correction", errors)
    return _book(
        customer_id, "correction", (account, amount, reason), lambda _: t("correction_done")
    )
