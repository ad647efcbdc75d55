"""Every pre-flight rule refuses with the invoice number and the field."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from edge.sepa.model import Amendment, PostalAddress
from edge.sepa.preflight import check, months_later
from tests.edge.sepa.samples import CREDITOR, MADE, NOTICE_DAYS, debit


def failures_of(*debits: Any, creditor: Any = CREDITOR) -> set[tuple[str, str]]:
    return {(f.invoice_number, f.field) for f in check(creditor, debits, MADE.date(), NOTICE_DAYS)}


def test_a_valid_file_has_no_failures() -> None:
    assert check(CREDITOR, [debit(1), debit(2)], MADE.date(), NOTICE_DAYS) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"debtor_iban": "DE89370400440532013001"}, "debtor_iban"),  # check digits
        ({"debtor_bic": "COBA1EFF"}, "debtor_bic"),
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": 100_000_000_000}, "amount"),
        ({"mandate_reference": "MANDAT-Ä&1"}, "mandate_reference"),  # refused, not transliterated
        ({"mandate_reference": ""}, "mandate_reference"),
        ({"mandate_reference": "M" * 36}, "mandate_reference"),
        ({"mandate_status": "revoked"}, "mandate_status"),
        ({"mandate_status": "expired"}, "mandate_status"),
        # Never collected and signed more than 36 months before the file.
        ({"mandate_signed_on": date(2023, 12, 31)}, "mandate_status"),
        (
            {"sequence": "RCUR", "mandate_last_collected_on": date(2023, 12, 3)},
            "mandate_status",
        ),
        ({"mandate_signed_on": date(2027, 1, 5)}, "mandate_signed_on"),
        ({"sequence": "RCUR"}, "sequence"),  # never collected: must be FRST
        ({"mandate_last_collected_on": date(2026, 12, 1)}, "sequence"),  # collected: RCUR
        ({"collection_date": date(2027, 1, 15)}, "collection_date"),  # before 4 Jan + 14 days
        ({"collection_date": date(2027, 1, 23)}, "collection_date"),  # a Saturday
        (
            {"invoice_date": date(2026, 12, 1), "collection_date": date(2027, 1, 5)},
            "collection_date",  # one business day after the file: too early
        ),
        ({"debtor_name": "  "}, "debtor_name"),
        ({"debtor_name": "Иван"}, "debtor_name"),  # nothing of the set left
        ({"debtor_address": PostalAddress("", "DE")}, "debtor_address.town"),
        ({"debtor_address": PostalAddress("Köln", "")}, "debtor_address.country"),
        ({"debtor_address": PostalAddress("Köln", "de")}, "debtor_address.country"),
        (
            {"debtor_address": PostalAddress("Köln", "DE", postcode="1" * 17)},
            "debtor_address.postcode",
        ),
        ({"end_to_end_id": "RE/2027 ü"}, "end_to_end_id"),
        ({"end_to_end_id": ""}, "end_to_end_id"),
        ({"amendment": Amendment()}, "amendment"),
        (
            {"amendment": Amendment(original_iban="DE89370400440532013001")},
            "amendment.original_iban",
        ),
        (
            {"amendment": Amendment(original_mandate_reference="ALT&1")},
            "amendment.original_mandate_reference",
        ),
    ],
)
def test_each_rule_names_invoice_and_field(changes: dict[str, Any], field: str) -> None:
    bad = debit(2, **changes)
    assert failures_of(debit(1), bad) == {("RE-2027-00002", field)}


def test_the_last_collection_keeps_an_old_mandate_alive() -> None:
    ok = debit(1, sequence="RCUR", mandate_signed_on=date(2020, 1, 1),
               mandate_last_collected_on=date(2024, 1, 4))  # fmt: skip
    assert failures_of(ok) == set()
    assert failures_of(dataclasses.replace(ok, mandate_last_collected_on=date(2024, 1, 3))) == {
        ("RE-2027-00001", "mandate_status")
    }


def test_duplicates_in_one_file() -> None:
    twin = debit(2, end_to_end_id="RE-2027-00001")
    assert failures_of(debit(1), twin) == {
        ("RE-2027-00001", "end_to_end_id"),
        ("RE-2027-00002", "end_to_end_id"),
    }
    again = debit(1, end_to_end_id="OTHER")
    assert ("RE-2027-00001", "invoice_id") in failures_of(debit(1), again)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"creditor_id": "DE99ZZZ09999999999"}, "creditor_id"),
        ({"iban": "DE89370400440532013001"}, "iban"),
        ({"bic": "BYLA"}, "bic"),
        ({"name": ""}, "creditor_name"),
        ({"address": PostalAddress("", "DE")}, "town"),
    ],
)
def test_creditor_failures_are_file_level(changes: dict[str, Any], field: str) -> None:
    creditor = dataclasses.replace(CREDITOR, **changes)
    assert failures_of(debit(1), creditor=creditor) == {("", field)}


def test_an_empty_file_is_refused() -> None:
    assert failures_of() == {("", "debits")}


def test_months_later_clamps_to_the_month_end() -> None:
    assert months_later(date(2024, 2, 29), 36) == date(2027, 2, 28)
    assert months_later(date(2026, 10, 31), 4) == date(2027, 2, 28)
    assert months_later(date(2026, 1, 15), 36) == date(2029, 1, 15)
