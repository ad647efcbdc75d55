"""Reading the invoice forms: amounts, reasons and the lines of a new invoice.

Amounts go through :func:`web.fmt.parse_money` (what staff type, in the
box's currency); the lines of a new invoice end in the API's own
``InvoiceDraftIn``, so the panel refuses exactly what the API refuses, each
problem next to its field (``line-2-price``).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from edge import ledger
from edge.api.invoice_schemas import InvoiceDraftIn
from edge.ledger.errors import InvalidQuantity
from web import customer_form as cf
from web import fmt
from web.panel import currency

LINE_ROWS = 6  # empty rows of the new-invoice form; blank rows are left out
VAT_RATES = (1900, 700, 0)  # basis points: 19 %, 7 %, none (SPEC §4)
REASON_MAX = 500
# The model's members and the form fields they come from.
_LINE_FIELDS = {"name": "name", "quantity": "qty", "unit_price": "price", "vat_rate_bp": "vat"}


def money_field(
    form: Any, name: str, *, optional: bool = False
) -> tuple[int | None, dict[str, str]]:
    """A positive amount typed into ``name`` (``optional``: empty is 0)."""
    raw = str(form.get(name, "")).strip()
    if optional and not raw:
        return 0, {}
    try:
        value = fmt.parse_money(raw, currency=currency())
    except ValueError as e:
        return None, {name: cf.message(str(e))}
    if value == 0 and not optional:
        return None, {name: cf.message("err_amount_positive")}
    return value, {}


def reason_field(form: Any, name: str = "reason") -> tuple[str, dict[str, str]]:
    """A required one-line reason under the box's text rules."""
    value, error = cf.clean_line(str(form.get(name, "")).strip()[:REASON_MAX])
    if error:
        return value, {name: error}
    if not value:
        return value, {name: cf.message("err_reason_missing")}
    return value, {}


def _quantity(raw: str) -> str | None:
    text = raw.strip().replace(",", ".") or "1"
    try:
        ledger.parse_quantity(text)
    except InvalidQuantity:
        return None
    return text


def _line(form: Any, i: int, errors: dict[str, str]) -> dict[str, Any] | None:
    """Row ``i`` as a line, or None when it was left empty."""
    get = {k: str(form.get(f"line-{i}-{k}", "")).strip() for k in _LINE_FIELDS.values()}
    if not (get["name"] or get["price"]):
        return None
    line: dict[str, Any] = {"name": get["name"]}
    quantity = _quantity(get["qty"])
    if quantity is None:
        errors[f"line-{i}-qty"] = cf.message("inv_err_quantity")
    else:
        line["quantity"] = quantity
    price, price_errors = money_field(form, f"line-{i}-price", optional=True)
    errors.update(price_errors)
    line["unit_price"] = price or 0
    rate = get["vat"]
    if rate in {str(r) for r in VAT_RATES}:
        line["vat_rate_bp"] = int(rate)
    else:
        errors[f"line-{i}-vat"] = cf.message("bad_choice")
    return line


def draft_lines(form: Any, customer_id: int) -> tuple[InvoiceDraftIn | None, dict[str, str]]:
    """The posted new invoice as the API's model, or the errors per field."""
    errors: dict[str, str] = {}
    rows = [(i, _line(form, i, errors)) for i in range(LINE_ROWS)]
    lines = [(i, ln) for i, ln in rows if ln is not None]
    if not lines:
        errors["line-0-name"] = cf.message("inv_err_no_lines")
    notes = str(form.get("notes", "")).strip() or None
    body = {"customer_id": str(customer_id), "lines": [ln for _, ln in lines], "notes": notes}
    try:
        model = InvoiceDraftIn.model_validate(body)
    except ValidationError as e:
        for err in e.errors():
            errors.setdefault(_field_of(err["loc"], [i for i, _ in lines]), _message(dict(err)))
        return None, errors
    return (None, errors) if errors else (model, {})


def _field_of(loc: tuple[Any, ...], rows: list[int]) -> str:
    """The form field of a pydantic error location (``lines.1.name`` → ``line-3-name``)."""
    if len(loc) >= 3 and loc[0] == "lines" and isinstance(loc[1], int):
        return f"line-{rows[loc[1]]}-{_LINE_FIELDS.get(str(loc[2]), 'name')}"
    return str(loc[0]) if loc else "notes"


def _message(err: dict[str, Any]) -> str:
    if err.get("type") == "string_too_short":
        return cf.message("inv_err_name_missing")
    return cf._pydantic_message(err)
