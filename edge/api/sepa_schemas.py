"""Request and response models of the SEPA routes (BACKOFFICE §10,
docs/sepa.md), for validation and the OpenAPI document. Imports pydantic,
the basket's strict base and the subscription schemas' day type."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from edge.api.subscription_schemas import Day
from edge.money.basket import StrictIn
from edge.platform.text import SingleLine


def _example(value: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [value]})


Sequence = Literal["FRST", "RCUR"]

DEBIT_EXAMPLE = {
    "invoice_id": "42", "invoice_number": "RE-2027-00012", "amount": 11900, "sequence": "FRST",
    "collection_date": "2027-02-15", "mandate_reference": "ABO-0007-1",
    "mandate_status": "active", "debtor_name": "Maria Müller",
    "debtor_iban": "DE89370400440532013000", "amended": False,
}  # fmt: skip
FAILURE_EXAMPLE = {"invoice_number": "RE-2027-00013", "field": "mandate_status",
                   "message": "the mandate expired (36 months without a collection)"}  # fmt: skip
COLLECTION_EXAMPLE = {
    "id": "5", "file_id": "2", "invoice_id": "42", "invoice_number": "RE-2027-00012",
    "mandate_id": "3", "sequence": "FRST", "amount": 11900, "collection_date": "2027-02-15",
    "end_to_end_id": "RE-2027-00012", "state": "pending", "return_reason": None,
    "returned_at": None, "confirmed_at": None,
}  # fmt: skip
FILE_EXAMPLE = {
    "id": "2", "message_id": "TILLEDGE-20270201-000002", "created_at": "2027-02-01T08:00:00Z",
    "created_by": "user:chef", "count": 1, "control_sum": 11900,
    "sha256": "9f2c…", "collections": [COLLECTION_EXAMPLE],
}  # fmt: skip
MANDATE_EXAMPLE = {
    "id": "3", "customer_id": "7", "reference": "ABO-0007-1", "signed_on": "2027-01-10",
    "scheme": "CORE", "status": "active", "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX", "last_collected_on": None, "expires_on": "2030-01-10",
    "amendment": None, "revoked_at": None, "revoked_reason": None,
    "created_at": "2027-01-10T09:00:00Z", "updated_at": "2027-01-10T09:00:00Z",
}  # fmt: skip


class PreviewQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: Day | None = Field(None, description="the day the file would be made (default today)")


class Debit(BaseModel):
    model_config = _example(DEBIT_EXAMPLE)

    invoice_id: str
    invoice_number: str
    amount: int = Field(description="the invoice's open amount, minor units")
    sequence: Sequence
    collection_date: str
    mandate_reference: str
    mandate_status: Literal["active", "revoked", "expired"]
    debtor_name: str
    debtor_iban: str
    amended: bool = Field(description="the file flags a mandate amendment")


class Failure(BaseModel):
    model_config = _example(FAILURE_EXAMPLE)

    invoice_number: str = Field(description='"" for the creditor (config [sepa])')
    field: str
    message: str


class Preview(BaseModel):
    model_config = _example({"made_on": "2027-02-01", "debits": [DEBIT_EXAMPLE], "count": 1,
                             "control_sum": 11900, "failures": [], "currency": "EUR"})  # fmt: skip

    made_on: str
    debits: list[Debit]
    count: int
    control_sum: int
    failures: list[Failure]
    currency: str


class FileIn(StrictIn):
    date: Day | None = Field(None, description="the day the file is made (default today)")


class Collection(BaseModel):
    model_config = _example(COLLECTION_EXAMPLE)

    id: str
    file_id: str
    invoice_id: str
    invoice_number: str
    mandate_id: str
    sequence: Sequence
    amount: int
    collection_date: str
    end_to_end_id: str
    state: Literal["pending", "confirmed", "returned"]
    return_reason: str | None
    returned_at: str | None
    confirmed_at: str | None


class FileSummary(BaseModel):
    model_config = _example({k: v for k, v in FILE_EXAMPLE.items() if k != "collections"})

    id: str
    message_id: str
    created_at: str
    created_by: str
    count: int
    control_sum: int
    sha256: str


class File(FileSummary):
    model_config = _example(FILE_EXAMPLE)

    collections: list[Collection]


class FileList(BaseModel):
    model_config = _example({"items": [{k: v for k, v in FILE_EXAMPLE.items()
                                        if k != "collections"}]})  # fmt: skip

    items: list[FileSummary]


class ConfirmIn(StrictIn):
    date: Day | None = Field(None, description="the day the bank confirmed (default today)")


class Confirmed(BaseModel):
    model_config = _example({"file_id": "2", "confirmed": 1, "pending": 0})

    file_id: str
    confirmed: int
    pending: int = Field(description="collections of the file with a later date")


class ReturnIn(StrictIn):
    reason: Annotated[str, Field(min_length=1, max_length=10), SingleLine] = Field(
        description="ISO 20022 return reason code: AC04, AM04, MD01 …"
    )


class Returned(BaseModel):
    model_config = _example({"collection_id": "5", "invoice_id": "42", "reason": "MD01",
                             "fee": 300, "mandate_revoked": True})  # fmt: skip

    collection_id: str
    invoice_id: str
    reason: str
    fee: int = Field(description="sepa.return_fee charged to the invoice")
    mandate_revoked: bool


class Amendment(BaseModel):
    original_mandate_reference: str
    original_iban: str
    other_bank: bool


class Mandate(BaseModel):
    model_config = _example(MANDATE_EXAMPLE)

    id: str
    customer_id: str
    reference: str
    signed_on: str
    scheme: Literal["CORE"]
    status: Literal["active", "revoked", "expired"]
    iban: str
    bic: str | None
    last_collected_on: str | None
    expires_on: str = Field(description="36 months after the last collection (or signature)")
    amendment: Amendment | None = Field(description="flagged in the next file, then cleared")
    revoked_at: str | None
    revoked_reason: str | None
    created_at: str
    updated_at: str


class MandateList(BaseModel):
    model_config = _example({"items": [MANDATE_EXAMPLE]})

    items: list[Mandate]


class RevokeIn(StrictIn):
    reason: Annotated[str, Field(min_length=1, max_length=200), SingleLine]
