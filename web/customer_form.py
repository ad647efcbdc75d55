"""The customer form: which fields, in which section, in which mode, with
which label and help — and turning posted strings back into typed values.

Normal mode shows what daily work at the till needs; Expert mode adds the
business, terms, bank/SEPA and rare fields (SPEC §6, the reference panel's
Normal/Expert split). Labels live here, next to the field list, so adding a
field is one edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from edge.customers.fields import CustomerFields
from web import fmt
from web.i18n import lang


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text email tel date select bool int money float textarea
    section: str
    expert: bool = False
    de: str = ""
    en: str = ""
    help: bool = False
    maxlength: int | None = None
    options: tuple[str, ...] = ()
    autocomplete: str = ""

    @property
    def label(self) -> str:
        return self.de if lang() == "de" else self.en


def F(name: str, kind: str, section: str, de: str, en: str, **kw: Any) -> Field:
    return Field(name, kind, section, de=de, en=en, **kw)


FIELDS: tuple[Field, ...] = (
    F("type", "select", "person", "Kundenart", "Customer type", options=("individual", "business")),
    F("customer_number", "int", "person", "Kundennummer", "Customer number", expert=True),
    F("title", "text", "person", "Titel", "Title", expert=True, maxlength=50),
    F("first_name", "text", "person", "Vorname", "First name", maxlength=100, autocomplete="off"),
    F("last_name", "text", "person", "Nachname", "Last name", maxlength=100, autocomplete="off"),
    F("company_name", "text", "person", "Firmenname", "Company name", maxlength=150),
    F("alias", "text", "person", "Spitzname", "Alias", expert=True, maxlength=100),
    F("gender", "select", "person", "Geschlecht", "Gender", expert=True,
      options=("", "female", "male", "diverse", "unspecified")),
    F("date_of_birth", "date", "person", "Geburtsdatum", "Date of birth"),
    F("social_security_number", "text", "person", "Sozialversicherungsnummer",
      "Social security number", expert=True, maxlength=30),
    F("email", "email", "contact", "E-Mail", "E-mail", maxlength=254),
    F("phone", "tel", "contact", "Telefon", "Phone", maxlength=40),
    F("mobile", "tel", "contact", "Mobil", "Mobile", maxlength=40),
    F("invoice_email", "email", "contact", "Rechnungs-E-Mail", "Invoice e-mail", expert=True,
      help=True, maxlength=254),
    F("business_phone", "tel", "contact", "Telefon geschäftlich", "Business phone",
      expert=True, maxlength=40),
    F("fax", "tel", "contact", "Fax", "Fax", expert=True, maxlength=40),
    F("whatsapp", "tel", "contact", "WhatsApp-Nummer", "WhatsApp number", expert=True,
      maxlength=40),
    F("whatsapp_opt_in", "bool", "contact", "WhatsApp-Werbung erlaubt", "WhatsApp opt-in",
      expert=True),
    F("newsletter_opt_in", "bool", "contact", "Newsletter erwünscht", "Newsletter opt-in"),
    F("email_invoices", "bool", "contact", "Rechnungen per E-Mail", "E-mail invoices",
      expert=True),
    F("homepage", "text", "contact", "Webseite", "Homepage", expert=True, maxlength=200),
    F("preferred_language", "text", "contact", "Bevorzugte Sprache (z. B. de)",
      "Preferred language (e.g. en)", expert=True, maxlength=6),
    F("street", "text", "address", "Straße", "Street", maxlength=100),
    F("house_number", "text", "address", "Hausnummer", "House number", maxlength=20),
    F("postal_code", "text", "address", "PLZ", "Postal code", maxlength=20),
    F("city", "text", "address", "Ort", "City", maxlength=100),
    F("country", "text", "address", "Land (DE, AT, …)", "Country (DE, AT, …)", expert=True,
      maxlength=2),
    F("care_of", "text", "address", "c/o", "c/o", expert=True, maxlength=100),
    F("po_box", "text", "address", "Postfach", "PO box", expert=True, maxlength=30),
    F("latitude", "float", "address", "Breitengrad", "Latitude", expert=True),
    F("longitude", "float", "address", "Längengrad", "Longitude", expert=True),
    F("vat_id", "text", "business", "USt-IdNr.", "VAT ID", expert=True, help=True, maxlength=20),
    F("tax_id", "text", "business", "Steuernummer", "Tax ID", expert=True, maxlength=30),
    F("registration_number", "text", "business", "Handelsregisternummer",
      "Registration number", expert=True, maxlength=50),
    F("business_type", "text", "business", "Rechtsform", "Business type", expert=True,
      maxlength=50),
    F("industry", "text", "business", "Branche", "Industry", expert=True, maxlength=100),
    F("segment", "text", "business", "Segment", "Segment", expert=True, maxlength=50),
    F("group_id", "select", "terms", "Kundengruppe", "Customer group"),
    F("discount_percent", "int", "terms", "Rabatt % (leer = Gruppe)",
      "Discount % (empty = group's)", expert=True, help=True),
    F("price_level", "int", "terms", "Preisstufe", "Price level", expert=True),
    F("credit_limit", "money", "terms", "Kreditlimit", "Credit limit", expert=True, help=True),
    F("allow_invoice_payment", "bool", "terms", "Zahlung auf Rechnung erlaubt",
      "Allow invoice payment", expert=True),
    F("do_not_dun", "bool", "terms", "Nicht mahnen", "Do not dun", expert=True),
    F("payment_terms_days", "int", "terms", "Zahlungsziel (Tage)", "Payment terms (days)",
      expert=True, help=True),
    F("payment_method", "text", "terms", "Zahlungsart", "Payment method", expert=True,
      maxlength=50),
    F("net_mode", "bool", "terms", "Nettopreise (Reverse Charge)", "Net prices (reverse charge)",
      expert=True),
    F("iban", "text", "bank", "IBAN", "IBAN", expert=True, maxlength=42),
    F("bic", "text", "bank", "BIC", "BIC", expert=True, maxlength=15),
    F("bank_name", "text", "bank", "Bank", "Bank name", expert=True, maxlength=100),
    F("sepa_mandate_reference", "text", "bank", "SEPA-Mandatsreferenz", "SEPA mandate reference",
      expert=True, help=True, maxlength=35),
    F("sepa_mandate_date", "date", "bank", "SEPA-Mandat erteilt am", "SEPA mandate date",
      expert=True),
    F("blocked", "bool", "status", "Kunde gesperrt", "Customer blocked", help=True),
    F("lock_text", "text", "status", "Sperrtext (an der Kasse sichtbar)",
      "Lock text (shown at the till)", maxlength=200),
    F("favourite", "bool", "status", "Stammkunde (Favorit)", "Favourite"),
    F("points_blocked", "bool", "status", "Punkteprogramm gesperrt", "Points program blocked",
      expert=True),
    F("is_employee", "bool", "status", "Mitarbeiter", "Employee", expert=True),
    F("is_debtor", "bool", "status", "Debitor", "Debtor", expert=True),
    F("loss_reason", "text", "status", "Grund für Verlust", "Reason for loss", expert=True,
      maxlength=200),
    F("notes", "textarea", "notes", "Notizen", "Notes", maxlength=5000),
    F("memo", "textarea", "notes", "Kurznotiz (max. 200 Zeichen)", "Memo (max. 200 characters)",
      maxlength=200),
)  # fmt: skip
BY_NAME = {f.name: f for f in FIELDS}
SECTIONS = ("person", "contact", "address", "business", "terms", "bank", "status", "notes")
EXPERT_SECTIONS = frozenset({"business", "bank"})

HELP = {
    "de": {
        "card_uid": "Die Nummer der Kundenkarte: bei NFC-Karten die UID, die der Leser "
        "anzeigt (z. B. 04A2B3C4), sonst die aufgedruckte Nummer. Leerzeichen und "
        "Doppelpunkte sind egal.",
        "sepa_mandate_reference": "Die eindeutige Nummer des Lastschriftmandats, wie auf dem "
        "unterschriebenen Formular (bis 35 Zeichen: Buchstaben, Ziffern, + ? / - : ( ) . , ').",
        "credit_limit": "Höchster offener Rechnungsbetrag, den der Kunde haben darf. "
        "Leer = kein Limit. Hat nichts mit dem Guthaben zu tun.",
        "payment_terms_days": "Tage bis zur Fälligkeit einer Rechnung (z. B. 14). "
        "Leer = Standard des Geschäfts.",
        "discount_percent": "Ganze Zahl 0–100. Leer lassen, damit der Rabatt der Gruppe gilt; "
        "0 heißt ausdrücklich kein Rabatt.",
        "vat_id": "Mit Ländercode, z. B. DE123456789. Eine gültige ausländische EU-USt-IdNr. "
        "schaltet Nettopreise (Reverse Charge) ein.",
        "invoice_email": "Leer lassen, dann gehen Rechnungen an die normale E-Mail.",
        "blocked": "Gesperrte Kunden können nicht zahlen oder aufladen; die Kasse zeigt den "
        "Sperrtext.",
    },
    "en": {
        "card_uid": "The customer card's number: for NFC cards the UID the reader shows "
        "(e.g. 04A2B3C4), otherwise the printed number. Spaces and colons do not matter.",
        "sepa_mandate_reference": "The direct-debit mandate's unique number as on the signed "
        "form (up to 35 characters: letters, digits, + ? / - : ( ) . , ').",
        "credit_limit": "The largest open invoice amount this customer may have. Empty = no "
        "limit. It has nothing to do with the credit balance.",
        "payment_terms_days": "Days until an invoice is due (e.g. 14). Empty = the shop's default.",
        "discount_percent": "Whole number 0–100. Leave empty to use the group's discount; 0 "
        "means explicitly no discount.",
        "vat_id": "With the country code, e.g. DE123456789. A valid VAT ID of another EU state "
        "switches on net prices (reverse charge).",
        "invoice_email": "Leave empty to send invoices to the normal e-mail.",
        "blocked": "Blocked customers cannot pay or top up; the till shows the lock text.",
    },
}


def help_text(name: str) -> str:
    return HELP[lang()].get(name, "")


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
        return fmt.minor_to_input(int(value), lang())
    if field.kind == "bool":
        return bool(value)
    return str(value)


# -- posted form → typed values ------------------------------------------------------

ERRORS = {
    "de": {
        "not_int": "Bitte eine ganze Zahl eingeben.",
        "not_number": "Bitte eine Zahl eingeben (z. B. 48,137).",
        "too_long": "Höchstens {n} Zeichen.",
        "too_small": "Mindestens {n}.",
        "too_large": "Höchstens {n}.",
        "bad_date": "Bitte ein Datum eingeben.",
        "bad_choice": "Bitte einen Eintrag der Liste wählen.",
        "bad_format": "Ungültiges Format.",
        "err_amount_missing": "Bitte einen Betrag eingeben.",
        "err_amount_format": "Bitte einen Betrag wie 12,50 eingeben.",
        "err_amount_positive": "Der Betrag muss größer als 0 sein.",
        "err_amount_too_large": "Der Betrag ist zu groß.",
        "err_reason_missing": "Bitte einen Grund angeben.",
        # messages of edge.customers (English) → German
        "required for an individual customer": "Pflichtfeld für Privatkunden.",
        "required for a business customer": "Pflichtfeld für Firmenkunden.",
        "already in use": "Schon vergeben.",
        "already used by another customer": "Schon bei einem anderen Kunden eingetragen.",
        "is in the future": "Darf nicht in der Zukunft liegen.",
        "is before 1900": "Darf nicht vor 1900 liegen.",
        "no such group": "Diese Gruppe gibt es nicht.",
        "required for a group": "Bitte einen Namen angeben.",
        "already registered": "Diese Karte ist schon registriert.",
    },
    "en": {
        "not_int": "Please enter a whole number.",
        "not_number": "Please enter a number (e.g. 48.137).",
        "too_long": "At most {n} characters.",
        "too_small": "At least {n}.",
        "too_large": "At most {n}.",
        "bad_date": "Please enter a date.",
        "bad_choice": "Please pick an entry from the list.",
        "bad_format": "Invalid format.",
        "err_amount_missing": "Please enter an amount.",
        "err_amount_format": "Please enter an amount like 12.50.",
        "err_amount_positive": "The amount must be more than 0.",
        "err_amount_too_large": "The amount is too large.",
        "err_reason_missing": "Please give a reason.",
        "required for an individual customer": "Required for an individual customer.",
        "required for a business customer": "Required for a business customer.",
        "required for a group": "Please give a name.",
        "already registered": "This card is already registered.",
    },
}


# When a checker's own (English) sentence has no translation, German users get
# one sentence per field instead.
FIELD_FALLBACK_DE = {
    "email": "Keine gültige E-Mail-Adresse (Beispiel: name@example.com).",
    "invoice_email": "Keine gültige E-Mail-Adresse (Beispiel: name@example.com).",
    "phone": "Keine gültige Telefonnummer.",
    "business_phone": "Keine gültige Telefonnummer.",
    "mobile": "Keine gültige Telefonnummer.",
    "fax": "Keine gültige Telefonnummer.",
    "whatsapp": "Keine gültige Telefonnummer.",
    "iban": "Keine gültige IBAN (Länge oder Prüfziffer stimmt nicht).",
    "bic": "Keine gültige BIC (8 oder 11 Zeichen).",
    "vat_id": "Keine gültige USt-IdNr. (Beispiel: DE123456789).",
    "country": "Bitte einen Ländercode wie DE oder AT angeben.",
    "homepage": "Keine gültige Webadresse (Beispiel: https://example.com).",
    "sepa_mandate_reference": "Bis 35 Zeichen: Buchstaben, Ziffern und + ? / - : ( ) . , '",
    "preferred_language": "Bitte einen Sprachcode wie de oder en angeben.",
}


def field_message(field: str, key: str) -> str:
    """``message`` for one field's error, with the German per-field fallback."""
    if lang() == "de" and key not in ERRORS["de"] and field in FIELD_FALLBACK_DE:
        return FIELD_FALLBACK_DE[field]
    return message(key)


def message(key: str, **kw: object) -> str:
    """A form error in the user's language; unknown service messages pass through."""
    text = ERRORS[lang()].get(key) or ERRORS["en"].get(key) or key
    text = text.format(**kw) if kw else text
    return text[:1].upper() + text[1:]


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
    if kind == "string_pattern_mismatch":
        return message("bad_format")
    return str(err.get("msg", "invalid"))


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
            if text.lstrip("-").isdigit() and len(text) < 15:
                raw[name] = int(text)
            else:
                errors[name] = message("not_int")
        elif field.kind == "money":
            try:
                raw[name] = fmt.parse_money(text)
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
        for err in e.errors():
            loc = str(err["loc"][0]) if err["loc"] else "form"
            text = _pydantic_message(dict(err))
            if err.get("type") == "string_pattern_mismatch":
                text = field_message(loc, text)
            errors.setdefault(loc, text)
        return clean, errors
    values = model.model_dump(include=set(clean))
    return values, errors
