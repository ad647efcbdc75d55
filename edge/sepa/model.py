"""The value types of a SEPA direct debit collection, shared by the pure
file builder (``pain008``, ``preflight``) and the database side (mandates,
collections). Amounts are integer minor units (cents), EUR only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from edge.errors import DomainError

Sequence = Literal["FRST", "RCUR"]


@dataclass(frozen=True)
class PostalAddress:
    town: str
    country: str  # ISO 3166 alpha-2
    street: str = ""
    building: str = ""
    postcode: str = ""


@dataclass(frozen=True)
class Creditor:
    name: str
    creditor_id: str
    iban: str
    bic: str
    address: PostalAddress


@dataclass(frozen=True)
class Amendment:
    """A mandate change flagged in the next collection (AmdmntInd true)."""

    original_mandate_reference: str = ""  # set when the reference changed
    # Set when the debtor IBAN changed within the same bank; a change of bank
    # is sent as original debtor agent SMNDA (see pain008), so it stays empty.
    original_iban: str = ""
    other_bank: bool = False  # the debtor moved to another bank: OrgnlDbtrAgt SMNDA


@dataclass(frozen=True)
class DirectDebit:
    invoice_id: int
    invoice_number: str
    invoice_date: date
    amount: int  # minor units (cents), > 0, EUR only
    end_to_end_id: str  # <= 35 chars of the SEPA set, unique in the file
    remittance: str  # unstructured, cut at 140 after transliteration
    mandate_reference: str
    mandate_signed_on: date
    sequence: Sequence
    debtor_name: str
    debtor_iban: str
    debtor_bic: str | None
    debtor_address: PostalAddress
    collection_date: date
    mandate_status: str = "active"  # "active" | "revoked" | "expired"
    mandate_last_collected_on: date | None = None  # > 36 months ago: expired
    amendment: Amendment | None = None


@dataclass(frozen=True)
class Failure:
    """One pre-flight refusal; ``invoice_number`` "" is file-level (the creditor)."""

    invoice_number: str
    field: str
    message: str


@dataclass(frozen=True)
class Batch:
    """One payment-information block: a sequence type and a collection date."""

    sequence: Sequence
    collection_date: date
    count: int
    control_sum: int  # minor units


@dataclass(frozen=True)
class CollectionFile:
    message_id: str
    created_at: datetime
    xml: bytes
    batches: tuple[Batch, ...]
    count: int
    control_sum: int  # minor units


class PreflightFailed(DomainError):
    """The file was not made: ``failures`` lists every refusal (invoice and
    field); ``errors`` carries the same as field problems for the API."""

    code = "sepa_preflight_failed"

    def __init__(self, failures: tuple[Failure, ...] | list[Failure], detail: str = "") -> None:
        failures = tuple(failures)
        detail = detail or "; ".join(
            f"{f.invoice_number or 'creditor'} {f.field}: {f.message}" for f in failures[:5]
        )
        super().__init__(
            self.code,
            detail,
            errors=[
                {
                    "field": f"{f.invoice_number}.{f.field}" if f.invoice_number else f.field,
                    "message": f.message,
                }
                for f in failures
            ],
        )
        self.failures = failures
