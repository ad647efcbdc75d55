"""The Delivery addresses tab of a customer (BACKOFFICE §11): the list with
the default marked and each address's geodata state, and the forms to add,
change (with a manual pin), delete and make default. Writes go through
:mod:`edge.customers.delivery.store`, checked by the API's own models, one
transaction each; the geocoder is woken after the commit, never waited for.
No map tiles are loaded: an OpenStreetMap link opens the pin elsewhere."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from pydantic import BaseModel, ValidationError
from werkzeug.wrappers import Response

from edge.api.context import current_box
from edge.customers.delivery import fields, store, worker
from edge.errors import DomainError, FieldErrors
from edge.platform.actor import Actor
from edge.platform.bounds import parse_row_id
from edge.platform.clock import now_iso
from l10n import N_
from web import customer_form as cf
from web.auth import current_actor, login_required
from web.blueprint import bp
from web.customers import detail_context, load
from web.i18n import t
from web.problems import text as problem_text

TAB = "addresses"
TEXT_FIELDS = ("label", "street", "house_number", "postal_code", "city", "country")
PIN = ("latitude", "longitude")
# The store's sentences, as the panel says them.
MESSAGES = {
    "send latitude and longitude together": N_("addr_pin_both"),
    "cannot be null": N_("addr_label_required"),
}


def _tab(cid: int) -> Response:
    return redirect(url_for("web.customer_detail", customer_id=cid, tab=TAB))


def _redisplay(customer_id: str, form: str, errors: dict[str, str]) -> tuple[str, int]:
    ctx = detail_context(load(customer_id), TAB)
    return render_template(
        "customers/detail.html", **ctx, op_form=form, op_errors=errors, op_values=request.form
    ), 422


def _number(text: str) -> float | str:
    try:
        return float(text.replace(",", "."))  # a German decimal comma
    except ValueError:
        return text  # the model refuses it at its field


def _posted(current: dict[str, Any] | None) -> dict[str, Any]:
    """The form as the models take it. On an edit the pin is sent only when
    staff changed it, so saving the text keeps a geocoded position."""
    form = request.form
    raw: dict[str, Any] = {n: str(form.get(n, "")).strip() or None for n in TEXT_FIELDS}
    pin = {n: _number(v) if (v := str(form.get(n, "")).strip()) else None for n in PIN}
    if current is None:
        raw.update({k: v for k, v in pin.items() if v is not None} or {})
        raw["is_default"] = form.get("is_default") == "1"
    elif any(pin[n] != current[n] for n in PIN):
        raw.update(pin)
    return raw


def _checked(model: type[BaseModel], raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    if not raw.get("label"):
        errors["label"] = cf.message(MESSAGES["cannot be null"])
    try:
        values = model.model_validate(raw).model_dump(exclude_unset=True)
    except ValidationError as e:
        return {}, {**cf.field_errors(e), **errors}
    if errors:
        return {}, errors
    try:
        return store.normalize(values), {}
    except FieldErrors as e:
        return {}, _messages(e)


def _messages(e: DomainError) -> dict[str, str]:
    out: dict[str, str] = {}
    for x in e.errors:
        name = str(x.get("field") or "label")
        out.setdefault(name, cf.field_message(name, MESSAGES.get(x["message"], x["message"])))
    return out or {"label": problem_text(e)}


def _address(cid: int, address_id: str) -> dict[str, Any]:
    aid = parse_row_id(address_id)
    try:
        return store.get(current_box().db.reader(), cid, aid or 0)
    except DomainError:
        abort(404)


@bp.route("/customers/<customer_id>/addresses", methods=["POST"])
@login_required("cashier")
def address_create(customer_id: str) -> Any:
    cid = int(load(customer_id)["id"])
    values, errors = _checked(fields.AddressCreate, _posted(None))
    if errors:
        return _redisplay(customer_id, "add", errors)
    box, actor = current_box(), Actor(current_actor(), now_iso())
    geocoding = worker.configured(box)
    try:
        box.db.write(lambda c: store.create(c, cid, values, geocoding=geocoding, actor=actor))
    except DomainError as e:
        return _redisplay(customer_id, "add", _messages(e))
    worker.wake(box)
    flash(t("saved"), "ok")
    return _tab(cid)


@bp.route("/customers/<customer_id>/addresses/<address_id>", methods=["POST"])
@login_required("cashier")
def address_update(customer_id: str, address_id: str) -> Any:
    cid = int(load(customer_id)["id"])
    current = _address(cid, address_id)
    form = f"edit-{current['id']}"
    values, errors = _checked(fields.AddressPatch, _posted(current))
    if errors:
        return _redisplay(customer_id, form, errors)
    box, actor = current_box(), Actor(current_actor(), now_iso())
    geocoding, aid = worker.configured(box), int(current["id"])
    try:
        box.db.write(lambda c: store.update(c, cid, aid, values, geocoding=geocoding, actor=actor))
    except DomainError as e:
        return _redisplay(customer_id, form, _messages(e))
    worker.wake(box)
    flash(t("saved"), "ok")
    return _tab(cid)


@bp.route("/customers/<customer_id>/addresses/<address_id>/<action>", methods=["POST"])
@login_required("cashier")
def address_action(customer_id: str, address_id: str, action: str) -> Response:
    if action not in ("default", "delete"):
        abort(404)
    cid = int(load(customer_id)["id"])
    aid = int(_address(cid, address_id)["id"])
    actor = Actor(current_actor(), now_iso())
    if action == "default":
        current_box().db.write(lambda c: store.make_default(c, cid, aid, actor=actor))
        flash(t("addr_default_set"), "ok")
    else:
        current_box().db.write(lambda c: store.delete(c, cid, aid, actor=actor))
        flash(t("addr_deleted"), "ok")
    return _tab(cid)
