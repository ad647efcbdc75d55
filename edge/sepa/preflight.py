"""The pre-flight of a collection file: every rule of BACKOFFICE §10 that the
pain.008.001.08 XSD cannot check — check digits, mandate state and age,
dates, the character set of references — each failure naming the invoice and
the field (the creditor's, from config ``[sepa]``, with invoice number "").

References (mandate, end-to-end id) are refused outside the SEPA set: they
identify things at the bank and must match the signed mandate character for
character. Names, addresses and the remittance text are transliterated by
``pain008`` and only refused when nothing is left.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from edge.sepa.calendar import earliest_collection_date, is_target2_business_day
from edge.sepa.charset import is_sepa_text, transliterate
from edge.sepa.identifiers import valid_bic, valid_creditor_id, valid_iban
from edge.sepa.model import Creditor, DirectDebit, Failure, PostalAddress

MAX_AMOUNT = 99_999_999_999  # 999,999,999.99 EUR: the EPC's largest amount
REFERENCE_LENGTH = 35
EXPIRY_MONTHS = 36  # EPC: a mandate unused this long has expired
# Structured codes are refused when too long; town and street are cut.
_CODE_LENGTHS = {"postcode": 16, "building": 16}


def months_later(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months, the day clamped to the month's end."""
    years, month0 = divmod(d.month - 1 + months, 12)
    year, month = d.year + years, month0 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover - day 28 always exists


def _reference(value: str, what: str) -> str | None:
    if not value:
        return f"{what} is missing"
    if len(value) > REFERENCE_LENGTH:
        return f"{what} is longer than {REFERENCE_LENGTH} characters"
    if not is_sepa_text(value) or value != value.strip():
        return f"{what} has characters outside the SEPA set (A-Z a-z 0-9 / - ? : ( ) . , ' + space)"
    return None


def _address(prefix: str, address: PostalAddress) -> Iterable[tuple[str, str]]:
    if not transliterate(address.town):
        yield f"{prefix}town", "the town is missing"
    if not (len(address.country) == 2 and address.country.isalpha() and address.country.isupper()):
        yield f"{prefix}country", "the country must be an ISO code of two capital letters"
    for name, limit in _CODE_LENGTHS.items():
        if len(transliterate(getattr(address, name))) > limit:
            yield f"{prefix}{name}", f"longer than {limit} characters"


def check_creditor(creditor: Creditor) -> list[Failure]:
    """The file-level failures; fields are the config keys of ``[sepa]``."""
    found: list[tuple[str, str]] = []
    if not transliterate(creditor.name):
        found.append(("creditor_name", "the creditor name is missing"))
    if not valid_creditor_id(creditor.creditor_id):
        found.append(("creditor_id", "not a valid creditor identifier (check digits)"))
    if not valid_iban(creditor.iban):
        found.append(("iban", "not a valid IBAN (check digits)"))
    if not valid_bic(creditor.bic):
        found.append(("bic", "not a valid BIC"))
    found.extend(_address("", creditor.address))
    return [Failure("", field, message) for field, message in found]


def _mandate(debit: DirectDebit, made_on: date) -> Iterable[tuple[str, str]]:
    if problem := _reference(debit.mandate_reference, "the mandate reference"):
        yield "mandate_reference", problem
    if debit.mandate_status != "active":
        yield "mandate_status", f"the mandate is {debit.mandate_status}, not active"
    last = debit.mandate_last_collected_on or debit.mandate_signed_on
    if made_on > months_later(last, EXPIRY_MONTHS):
        yield "mandate_status", f"expired: unused for {EXPIRY_MONTHS} months since {last}"
    if debit.mandate_signed_on > made_on:
        yield "mandate_signed_on", "the mandate is signed in the future"
    # FRST exactly for a mandate's first collection: banks reject the others.
    if debit.sequence == "RCUR" and debit.mandate_last_collected_on is None:
        yield "sequence", "RCUR for a mandate never collected: the first collection is FRST"
    if debit.sequence == "FRST" and debit.mandate_last_collected_on is not None:
        yield "sequence", "FRST for a mandate already collected: later collections are RCUR"
    amendment = debit.amendment
    if amendment is not None:
        if not (
            amendment.original_mandate_reference or amendment.original_iban or amendment.other_bank
        ):
            yield "amendment", "an amendment must name the original reference, IBAN or bank"
        if amendment.original_mandate_reference and (
            problem := _reference(amendment.original_mandate_reference, "the original reference")
        ):
            yield "amendment.original_mandate_reference", problem
        if amendment.original_iban and not valid_iban(amendment.original_iban):
            yield "amendment.original_iban", "not a valid IBAN (check digits)"


def _debit(
    debit: DirectDebit, made_on: date, prenotification_days: int
) -> Iterable[tuple[str, str]]:
    if not 0 < debit.amount <= MAX_AMOUNT:
        yield "amount", "the amount must be more than 0.00 and at most 999999999.99"
    if problem := _reference(debit.end_to_end_id, "the end-to-end id"):
        yield "end_to_end_id", problem
    if not valid_iban(debit.debtor_iban):
        yield "debtor_iban", "not a valid IBAN (check digits)"
    if debit.debtor_bic and not valid_bic(debit.debtor_bic):
        yield "debtor_bic", "not a valid BIC"
    if not transliterate(debit.debtor_name):
        yield "debtor_name", "the debtor name is missing (or has no letter of the SEPA set)"
    yield from _address("debtor_address.", debit.debtor_address)
    yield from _mandate(debit, made_on)
    earliest = earliest_collection_date(made_on, debit.invoice_date, prenotification_days)
    if debit.collection_date < earliest:
        yield "collection_date", f"too early: the earliest collection date is {earliest}"
    elif not is_target2_business_day(debit.collection_date):
        yield "collection_date", "not a TARGET2 business day"


def check(
    creditor: Creditor, debits: Iterable[DirectDebit], made_on: date, prenotification_days: int
) -> list[Failure]:
    """Every failure of the creditor and of each debit; empty: the file may be built."""
    debits = list(debits)
    failures = check_creditor(creditor)
    if not debits:
        failures.append(Failure("", "debits", "nothing to collect"))
    e2e = Counter(d.end_to_end_id for d in debits)
    invoices = Counter(d.invoice_id for d in debits)
    for debit in debits:
        found = list(_debit(debit, made_on, prenotification_days))
        if e2e[debit.end_to_end_id] > 1:
            found.append(("end_to_end_id", "the end-to-end id is not unique in the file"))
        if invoices[debit.invoice_id] > 1:
            found.append(("invoice_id", "the invoice is collected more than once in the file"))
        failures.extend(Failure(debit.invoice_number, f, m) for f, m in found)
    return failures
