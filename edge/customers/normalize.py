"""Pure normalisation and validation helpers for customer fields.

Everything here is a plain function of its input (plus the box country for
phone numbers), so the API, the CLI, the demo seeder and the benchmark all
store exactly the same normalised forms — search relies on that.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from types import ModuleType

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.eu import vat as stdnum_vat
from stdnum.exceptions import ValidationError as StdnumError

from drivers import uids

# ISO 3166-1 alpha-2 (officially assigned codes). Kept here rather than pulling
# in a country database: the set changes about once a decade.
ISO_COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905
)

# VAT ID prefixes differ from ISO codes for Greece (EL) and Northern Ireland (XI).
_VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}

MAX_KEY_CHARS = 200


class FieldError(ValueError):
    """A value that cannot be stored; ``message`` is shown next to the field."""


def fold(text: str | None) -> str:
    """Search key: case-folded, accents removed, whitespace collapsed.

    ``Müller`` → ``muller``, ``Straße`` → ``strasse``; the same function runs on
    stored values and on what the cashier types, so prefixes line up.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())[:MAX_KEY_CHARS]


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit() and c.isascii())


def normalize_phone(raw: str, region: str) -> str:
    """E.164 (``+49891234567``); national numbers use the box country."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as e:
        raise FieldError("not a phone number") from e
    if not phonenumbers.is_valid_number(number):
        raise FieldError("not a valid phone number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_query_digits(query: str, region: str) -> list[str]:
    """Digit strings to look for in stored E.164 numbers for what was typed.

    ``+49 89 12`` / ``0049 89 12`` → ``498912``; the national form ``089 12``
    → ``498912`` (national prefix of the box's country replaced by its
    country code); anything else → its raw digits. The raw digits are always
    listed last. Works on incomplete numbers, so it suits search as you type.
    """
    raw = digits(query)
    text = query.strip()
    found: list[str] = []
    if text.startswith("+"):
        found.append(raw)
    elif text.startswith("00"):
        found.append(raw[2:])
    elif text.startswith("0"):
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        code = str(phonenumbers.country_code_for_region(region) or "")
        prefix = (meta.national_prefix if meta else None) or ""
        if code:
            national = raw[len(prefix) :] if prefix and raw.startswith(prefix) else raw
            found.append(code + national)
    if raw not in found:
        found.append(raw)
    return [x for x in found if x]


def normalize_email(raw: str) -> str:
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as e:
        raise FieldError(str(e)) from e
    return str(result.normalized)


def _checked(scheme: ModuleType, what: str, raw: str) -> str:
    # python-stdnum's validate() returns the compact form or says what is wrong.
    try:
        return str(scheme.validate(raw))
    except StdnumError as e:
        raise FieldError(f"not a valid {what}: {e}") from e


def normalize_iban(raw: str) -> str:
    return _checked(stdnum_iban, "IBAN", raw)


def normalize_bic(raw: str) -> str:
    return _checked(stdnum_bic, "BIC", raw)


def normalize_vat_id(raw: str) -> str:
    """An EU VAT ID with its country prefix, checked for syntax and check digits."""
    return _checked(stdnum_vat, "EU VAT ID", raw)


def vat_country(vat_id: str) -> str:
    """ISO country of a (normalised) VAT ID: ``EL…`` is Greece, ``XI…`` Northern Ireland."""
    prefix = vat_id[:2].upper()
    return _VAT_PREFIX_COUNTRY.get(prefix, prefix)


def normalize_country(raw: str) -> str:
    code = raw.strip().upper()
    if code not in ISO_COUNTRIES:
        raise FieldError("not an ISO 3166-1 alpha-2 country code")
    return code


def normalize_uid(raw: str) -> str:
    """Card UID or printed number as stored (``04:a1:b2-c3 d4`` → ``04A1B2C3D4``).

    The rule is :func:`drivers.uids.normalize_uid`, the one the readers use,
    so a tapped card always matches its record; here it raises a field error.
    """
    try:
        return uids.normalize_uid(raw)
    except ValueError as e:
        raise FieldError(str(e)) from None


def age_on(birth: date, today: date) -> int:
    years = today.year - birth.year
    if (today.month, today.day) < (birth.month, birth.day):
        years -= 1
    return years
