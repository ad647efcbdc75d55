"""The Subscriptions tab of a customer (Expert mode; BACKOFFICE §10): the
customer's subscriptions with their next billing date, and the manager's
forms to create, change, pause, resume and cancel them. Writes go through
:mod:`edge.subscriptions.store` in one transaction each, checked by the
API's own models; the create form's nonce makes a double click create once."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response

from edge.api.context import current_box
from edge.api.idempotency import PROBLEMS
from edge.api.subscription_schemas import SubscriptionIn, SubscriptionPatch
from edge.errors import DomainError, FieldErrors
from edge.platform.actor import Actor
from edge.platform.bounds import parse_row_id
from edge.platform.clock import now_iso
from edge.platform.idempotency import IdemKey, IdempotencyConflict, guarded, request_hash, settle
from edge.subscriptions import store
from web import customer_form as cf
from web import fmt
from web.auth import current_actor, login_required
from web.blueprint import bp
from web.customers import detail_context, load
from web.i18n import t
from web.panel import currency
from web.problems import text as problem_text

INTERVALS = ("monthly", "quarterly", "annually")
VAT_RATES = (1900, 700, 0)
ACTIONS = ("pause", "resume", "cancel")
DONE = {
    "pause": "subscription_paused",
    "resume": "subscription_resumed",
    "cancel": "subscription_cancelled",
}
MAX_NONCE = 64


def _tab(cid: int) -> Response:
    return redirect(url_for("web.customer_detail", customer_id=cid, tab="subscriptions"))


def _redisplay(customer_id: str, form: str, errors: dict[str, str]) -> tuple[str, int]:
    ctx = detail_context(load(customer_id), "subscriptions")
    return render_template(
        "customers/detail.html", **ctx, op_form=form, op_errors=errors, op_values=request.form
    ), 422


def _posted(names: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's fields as the API's models take them, or field errors."""
    form, raw, errors = request.form, {}, {}
    for name in names:
        text = str(form.get(name, "")).strip()
        if name in ("sepa", "net_mode"):
            raw[name] = form.get(name) in ("1", "on")
        elif name == "amount":
            try:
                raw[name] = fmt.parse_money(text, currency=currency())
            except ValueError as e:
                errors[name] = cf.message(str(e))
        elif name == "vat_rate_bp":
            raw[name] = int(text) if text.isdigit() else text
        elif name == "description":
            raw[name], error = cf.clean_line(text)
            if error:
                errors[name] = error
        elif text or name != "end_date":
            raw[name] = text
        else:
            raw[name] = None
    return raw, errors


@bp.route("/customers/<customer_id>/subscriptions", methods=["POST"])
@login_required("manager")
def subscription_create(customer_id: str) -> Any:
    cid = int(load(customer_id)["id"])
    nonce = request.form.get("nonce", "")
    if not nonce or len(nonce) > MAX_NONCE or not nonce.isprintable():
        abort(400)
    names = ("description", "amount", "vat_rate_bp", "interval", "start_date", "end_date",
             "sepa", "net_mode")  # fmt: skip
    raw, errors = _posted(names)
    try:
        body = SubscriptionIn.model_validate({"customer_id": str(cid), **raw})
    except ValidationError as e:
        errors = {**cf.field_errors(e), **errors}
    if errors:
        return _redisplay(customer_id, "create", errors)
    actor = Actor(current_actor(), now_iso())
    fields = body.model_dump(exclude={"customer_id"})
    key = IdemKey(actor.name, nonce, request_hash(request.path, json.dumps(raw, default=str)))

    def txn(conn: Any) -> tuple[dict[str, Any], int]:
        return {"id": store.create(conn, actor, customer_id=cid, **fields)}, 201

    try:
        outcome, _ = settle(key, current_box().db.write(guarded(key, txn, PROBLEMS)))
    except IdempotencyConflict:
        return _tab(cid)
    if outcome.problem:
        doc = outcome.body()
        refusal = DomainError(doc["code"], doc.get("detail", ""), errors=doc.get("errors"))
        return _redisplay(customer_id, "create", _field_errors(refusal, "description"))
    flash(t("subscription_created"), "ok")
    return _tab(cid)


def _field_errors(e: DomainError, default: str) -> dict[str, str]:
    fields = [x.get("field") for x in e.errors if x.get("field")]
    return {str(fields[0]) if fields else default: problem_text(e)}


def _sid(cid: int, subscription_id: str) -> int:
    sid = parse_row_id(subscription_id)
    row = None
    if sid is not None:
        row = (
            current_box()
            .db.reader()
            .execute("SELECT customer_id FROM subscriptions WHERE id = ?", [sid])
            .fetchone()
        )
    if row is None or row["customer_id"] != cid:
        abort(404)
    return int(sid)  # type: ignore[arg-type]


@bp.route("/customers/<customer_id>/subscriptions/<subscription_id>", methods=["POST"])
@login_required("manager")
def subscription_update(customer_id: str, subscription_id: str) -> Any:
    cid = int(load(customer_id)["id"])
    sid = _sid(cid, subscription_id)
    form = f"edit-{sid}"
    raw, errors = _posted(("description", "amount", "end_date", "sepa", "net_mode"))
    try:
        body = SubscriptionPatch.model_validate(raw)
    except ValidationError as e:
        errors = {**cf.field_errors(e), **errors}
    if errors:
        return _redisplay(customer_id, form, errors)
    actor = Actor(current_actor(), now_iso())
    changes = {k: getattr(body, k) for k in raw}
    try:
        current_box().db.write(lambda conn: store.update(conn, actor, sid, changes))
    except (FieldErrors, DomainError) as e:
        return _redisplay(customer_id, form, _field_errors(e, "description"))
    flash(t("subscription_changed"), "ok")
    return _tab(cid)


@bp.route("/customers/<customer_id>/subscriptions/<subscription_id>/<action>", methods=["POST"])
@login_required("manager")
def subscription_action(customer_id: str, subscription_id: str, action: str) -> Any:
    if action not in ACTIONS:
        abort(404)
    cid = int(load(customer_id)["id"])
    sid = _sid(cid, subscription_id)
    actor = Actor(current_actor(), now_iso())
    change = getattr(store, action)
    config = current_box().config
    try:
        current_box().db.write(lambda conn: change(conn, config, actor, sid))
    except DomainError as e:
        flash(problem_text(e), "error")
        return _tab(cid)
    flash(t(DONE[action]), "ok")
    return _tab(cid)
