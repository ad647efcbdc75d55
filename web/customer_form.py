"""The customer form: which fields, in which section, in which mode, with
which label and help — and turning posted strings back into typed values.

Normal mode shows what daily work at the till needs; Expert mode adds the
business, terms, bank/SEPA and rare fields (SPEC §6, the reference panel's
Normal/Expert split). A field's label and help are the catalog entries
``label_<name>`` and ``help_<name>`` (listed in :mod:`web.msgids`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from edge.customers.fields import CustomerFields
from edge.platform.bounds import parse_int
from edge.platform.text import TextRefused, clean_text
from l10n import N_
from web import fmt
from web.i18n import has, lang, t
from web.panel import currency


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text email tel date select bool int money float textarea
    section: str
    expert: bool = False
    help: bool = False
    maxlength: int | None = None
    options: tuple[str, ...] = ()
    autocomplete: str = ""

    @property
    def label(self) -> str:
        key = f"label_{self.name}"
        return t(key)


F = Field


FIELDS: tuple[Field, ...] = (
    F("type", "select", "person", options=("individual", "business")),
    F("customer_number", "int", "person", expert=True),
    F("title", "text", "person", expert=True, maxlength=50),
    F("first_name", "text", "person", maxlength=100, autocomplete="off"),
    F("last_name", "text", "person", maxlength=100, autocomplete="off"),
    F("company_name", "text", "person", maxlength=150),
    F("alias", "text", "person", expert=True, maxlength=100),
    F("gender", "select", "person", expert=True,
      options=("", "female", "male", "diverse", "unspecified")),
    F("date_of_birth", "date", "person"),
    F("social_security_number", "text", "person", expert=True, maxlength=30),
    F("email", "email", "contact", maxlength=254),
    F("phone", "tel", "contact", maxlength=40),
    F("mobile", "tel", "contact", maxlength=40),
    F("invoice_email", "email", "contact", expert=True, help=True, maxlength=254),
    F("business_phone", "tel", "contact", expert=True, maxlength=40),
    F("fax", "tel", "contact", expert=True, maxlength=40),
    F("whatsapp", "tel", "contact", expert=True, maxlength=40),
    F("whatsapp_opt_in", "bool", "contact", expert=True),
    F("newsletter_opt_in", "bool", "contact"),
    F("email_invoices", "bool", "contact", expert=True),
    F("homepage", "text", "contact", expert=True, maxlength=200),
    F("preferred_language", "text", "contact", expert=True, maxlength=6),
    F("street", "text", "address", maxlength=100),
    F("house_number", "text", "address", maxlength=20),
    F("postal_code", "text", "address", maxlength=20),
    F("city", "text", "address", maxlength=100),
    F("country", "text", "address", expert=True, maxlength=2),
    F("care_of", "text", "address", expert=True, maxlength=100),
    F("po_box", "text", "address", expert=True, maxlength=30),
    F("latitude", "float", "address", expert=True),
    F("longitude", "float", "address", expert=True),
    F("vat_id", "text", "business", expert=True, help=True, maxlength=20),
    F("tax_id", "text", "business", expert=True, maxlength=30),
    F("registration_number", "text", "business", expert=True, maxlength=50),
    F("business_type", "text", "business", expert=True, maxlength=50),
    F("industry", "text", "business", expert=True, maxlength=100),
    F("segment", "text", "business", expert=True, maxlength=50),
    F("group_id", "select", "terms"),
    F("discount_percent", "int", "terms", expert=True, help=True),
    F("price_level", "int", "terms", expert=True),
    F("credit_limit", "money", "terms", expert=True, help=True),
    F("allow_invoice_payment", "bool", "terms", expert=True),
    F("do_not_dun", "bool", "terms", expert=True),
    F("payment_terms_days", "int", "terms", expert=True, help=True),
    F("payment_method", "text", "terms", expert=True, maxlength=50),
    F("net_mode", "bool", "terms", expert=True),
    F("iban", "text", "bank", expert=True, help=True, maxlength=42),
    F("bic", "text", "bank", expert=True, help=True, maxlength=15),
    F("bank_name", "text", "bank", expert=True, maxlength=100),
    F("sepa_mandate_reference", "text", "bank", expert=True, help=True, maxlength=35),
    F("sepa_mandate_date", "date", "bank", expert=True, help=True),
    F("blocked", "bool", "status", help=True),
    F("lock_text", "text", "status", maxlength=200),
    F("favourite", "bool", "status"),
    F("points_blocked", "bool", "status", expert=True),
    F("is_employee", "bool", "status", expert=True),
    F("is_debtor", "bool", "status", expert=True),
    F("loss_reason", "text", "status", expert=True, maxlength=200),
    F("notes", "textarea", "notes", maxlength=5000),
    F("memo", "textarea", "notes", maxlength=200),
)  # fmt: skip
BY_NAME = {f.name: f for f in FIELDS}
SECTIONS = ("person", "contact", "address", "business", "terms", "bank", "status", "notes")
EXPERT_SECTIONS = frozenset({"business", "bank"})


def help_text(name: str) -> str:
    key = f"help_{name}"
    return t(key) if has(key) else ""


def visible(expert: bool) -> list[Field]:
    return [f for f in FIELDS if expert or not f.expert]


def sections(expert: bool) -> list[tuple[str, list[Field]]]:
    shown = visible(expert)
    return [
        (s, [f for f in shown if f.section == s])
        for s in SECTIONS
        if any(f.section == s for f in shown)
    ]


def to_input(field: Field, value: Any) -> Any:
    """A stored value as the form shows it."""
    if value is None:
        return False if field.kind == "bool" else ""
    if field.kind == "money":
        return fmt.minor_to_input(int(value), lang(), currency())
    if field.kind == "bool":
        return bool(value)
    return str(value)


# -- posted form → typed values ------------------------------------------------------

# A checker's own (English) sentence without a German translation: German
# users get one sentence per kind of field instead (catalog ``invalid_<kind>``).
INVALID = {
    "email": N_("invalid_email"),
    "invoice_email": N_("invalid_email"),
    "phone": N_("invalid_phone"),
    "business_phone": N_("invalid_phone"),
    "mobile": N_("invalid_phone"),
    "fax": N_("invalid_phone"),
    "whatsapp": N_("invalid_phone"),
    "iban": N_("invalid_iban"),
    "bic": N_("invalid_bic"),
    "vat_id": N_("invalid_vat_id"),
    "country": N_("invalid_country"),
    "homepage": N_("invalid_homepage"),
    "sepa_mandate_reference": N_("invalid_sepa_mandate_reference"),
    "preferred_language": N_("invalid_preferred_language"),
}


def field_message(field: str, key: str) -> str:
    """``message`` for one field's error, with the German per-field fallback."""
    if lang() == "de" and not has(key) and field in INVALID:
        return t(INVALID[field])
    return message(key)


def message(key: str, **kw: object) -> str:
    """A form error in the user's language; unknown service messages pass through."""
    text = t(key, **kw)
    return text[:1].upper() + text[1:]


def clean_line(value: str) -> tuple[str, str | None]:
    """A one-line text under the box's text rules (NFC, no control or bidi
    characters): the cleaned text, or the form error to show."""
    try:
        return clean_text(value), None
    except TextRefused:
        return value, message("bad_format")


def _pydantic_message(err: dict[str, Any]) -> str:
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind == "string_too_long":
        return message("too_long", n=ctx.get("max_length"))
    if kind in ("greater_than_equal", "greater_than"):
        return message("too_small", n=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return message("too_large", n=ctx.get("le", ctx.get("lt")))
    if kind.startswith("date"):
        return message("bad_date")
    if kind in ("literal_error", "enum"):
        return message("bad_choice")
    if kind in ("string_pattern_mismatch", "text_refused"):
        return message("bad_format")
    return str(err.get("msg", "invalid"))


def field_errors(e: ValidationError) -> dict[str, str]:
    """A model's refusal as the form shows it: the first error per field."""
    errors: dict[str, str] = {}
    for err in e.errors():
        loc = str(err["loc"][0]) if err["loc"] else "form"
        text = _pydantic_message(dict(err))
        if err.get("type") == "string_pattern_mismatch":
            text = field_message(loc, text)
        errors.setdefault(loc, text)
    return errors


def parse(form: Any, names: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Posted strings of ``names`` → (typed values, field errors).

    Empty inputs become None (unset), unchecked boxes False; pydantic's
    CustomerFields then checks types and bounds exactly as the API does.
    """
    raw: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in names:
        field = BY_NAME.get(name)
        if field is None:
            continue
        if field.kind == "bool":
            raw[name] = form.get(name) in ("1", "on", "true")
            continue
        text = str(form.get(name, "")).strip()
        if text == "":
            raw[name] = None
        elif field.kind == "int":
            if (value := parse_int(text, -(10**14), 10**14)) is not None:
                raw[name] = value  # the model's own bounds then apply
            else:
                errors[name] = message("not_int")
        elif field.kind == "money":
            try:
                raw[name] = fmt.parse_money(text, currency=currency())
            except ValueError as e:
                errors[name] = message(str(e))
        elif field.kind == "float":
            try:
                raw[name] = float(text.replace(",", "."))  # coordinates, not money
            except ValueError:
                errors[name] = message("not_number")
        else:
            raw[name] = text
    clean = {k: v for k, v in raw.items() if k not in errors}
    try:
        model = CustomerFields.model_validate(clean)
    except ValidationError as e:
        for loc, text in field_errors(e).items():
            errors.setdefault(loc, text)
        return clean, errors
    values = model.model_dump(include=set(clean))
    return values, errors
