"""Request and response models of the invoice routes (BACKOFFICE §8), for
validation and the OpenAPI document. Imports pydantic, the basket's models
and the platform's text and bounds rules."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from edge.money.basket import LineIn, StrictIn
from edge.platform.bounds import IdText
from edge.platform.text import MultiLine, SingleLine

State = Literal["draft", "open", "partly_paid", "paid", "cancelled"]
Notes = Annotated[str, Field(max_length=2000), MultiLine]


def _example(value: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [value]})


class InvoiceLineIn(LineIn):
    """A line as in a checkout; on an invoice it needs its description."""

    name: Annotated[str, Field(min_length=1, max_length=200), SingleLine]


class InvoiceDraftIn(StrictIn):
    customer_id: IdText
    lines: Annotated[list[InvoiceLineIn], Field(min_length=1, max_length=500)]
    notes: Notes | None = None


class InvoiceDraftPatch(StrictIn):
    """Members not sent stay as they are; `notes: null` removes the notes."""

    customer_id: IdText | None = None
    lines: Annotated[list[InvoiceLineIn], Field(min_length=1, max_length=500)] | None = None
    notes: Notes | None = None


class CancelIn(StrictIn):
    reason: Annotated[str, Field(min_length=1, max_length=500), SingleLine]


class WaiverIn(StrictIn):
    fees: Annotated[StrictInt, Field(ge=0, le=10**12)] = 0
    interest: Annotated[StrictInt, Field(ge=0, le=10**12)] = 0
    reason: Annotated[str, Field(min_length=1, max_length=500), SingleLine]


class InvoicePaymentIn(StrictIn):
    method: Literal["cash", "transfer", "card", "sepa", "credit"]
    amount: Annotated[StrictInt, Field(gt=0, le=10**12, description="minor units, > 0")]
    reference: Annotated[str, Field(max_length=200), SingleLine] | None = None


class InvoiceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: State | None = None
    overdue: Literal["true", "false"] | None = None
    customer_id: Annotated[str, Field(max_length=32)] | None = None
    limit: int = Field(50, ge=1, le=500)
    cursor: Annotated[str, Field(max_length=32)] | None = None


LINE_EXAMPLE = {
    "position": 1, "sku": "4711", "name": "Kiste Wasser", "quantity": "2",
    "unit_price": 595, "vat_rate_bp": 1900, "discountable": True, "gross": 1190,
    "discount_percent": 0, "discount": 0, "total": 1190,
}  # fmt: skip
SUMMARY_EXAMPLE = {
    "id": "42", "number": "RE-2026-00042", "kind": "invoice", "state": "open",
    "overdue": False, "customer_id": "7", "issue_date": "2026-12-04",
    "due_date": "2026-12-18", "gross": 1190, "open": 1190, "owed": 1190,
    "dunning_level": 0, "currency": "EUR",
}  # fmt: skip
INVOICE_EXAMPLE = {
    **SUMMARY_EXAMPLE, "delivery_date": "2026-12-04", "net_mode": False, "net": 1000,
    "vat": 190, "prepaid": 0, "principal": 1190, "principal_paid": 0, "fees": 0,
    "fees_paid": 0, "interest": 0, "interest_paid": 0, "preceding_invoice_id": None,
    "preceding_number": None, "credit_note_id": None, "checkout_id": None, "notes": None,
    "lines": [LINE_EXAMPLE], "pdf": True, "xml": True, "mail": [],
    "created_at": "2026-12-04T10:00:00.000000Z", "created_by": "terminal:backoffice",
    "updated_at": "2026-12-04T10:00:00.000000Z", "updated_by": "terminal:backoffice",
}  # fmt: skip
PAYMENT_EXAMPLE = {
    "id": "3", "invoice_id": "42", "method": "transfer", "amount": 1190, "to_fees": 0,
    "to_interest": 0, "to_principal": 1190, "operation_id": None, "reference": "Überweisung",
    "created_at": "2026-12-10T09:00:00.000000Z", "created_by": "terminal:backoffice",
    "reversed_at": None, "reversed_reason": None,
}  # fmt: skip


class InvoiceLine(BaseModel):
    position: int
    sku: str | None
    name: str | None
    quantity: str
    unit_price: int = Field(description="gross per unit, as at the till")
    vat_rate_bp: int
    discountable: bool
    gross: int
    discount_percent: int
    discount: int
    total: int = Field(description="gross after discounts; net in net mode")


class InvoiceSummary(BaseModel):
    model_config = _example(SUMMARY_EXAMPLE)

    id: str
    number: str | None = Field(description="null while a draft")
    kind: Literal["invoice", "credit_note"]
    state: State
    overdue: bool = Field(description="derived: something owed and today (box time zone) > due")
    customer_id: str
    issue_date: str | None
    due_date: str | None
    gross: int = Field(description="negative on a credit note")
    open: int = Field(description="unpaid principal")
    owed: int = Field(description="unpaid principal + fees + interest")
    dunning_level: int
    currency: str


class InvoiceMail(BaseModel):
    id: int
    to: str
    subject: str
    state: str = Field(description="queued, sending, retrying, sent, failed or uncertain")
    attempts: int
    last_error: str | None
    created_at: str
    sent_at: str | None


class Invoice(InvoiceSummary):
    model_config = _example(INVOICE_EXAMPLE)

    delivery_date: str | None
    net_mode: bool = Field(description="reverse charge: amounts net, VAT 0")
    net: int
    vat: int
    prepaid: int = Field(description="paid at the till by other tenders")
    principal: int = Field(description="what the invoice asks for: gross - prepaid")
    principal_paid: int
    fees: int = Field(description="dunning fees charged")
    fees_paid: int
    interest: int = Field(description="default interest charged")
    interest_paid: int
    preceding_invoice_id: str | None = Field(description="a credit note: the invoice it cancels")
    preceding_number: str | None
    credit_note_id: str | None = Field(description="a cancelled invoice: its credit note")
    checkout_id: str | None
    notes: str | None
    lines: list[InvoiceLine]
    pdf: bool = Field(description="a PDF/A-3 is stored (GET …/pdf)")
    xml: bool = Field(description="the CII XML is stored (GET …/xml)")
    mail: list[InvoiceMail] = Field(
        description="the invoice's and its reminders' e-mails, oldest first (empty: none sent)"
    )
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str


class InvoiceTotals(BaseModel):
    open: int = Field(description="unpaid principal of the matching invoices")
    owed: int = Field(description="with fees and interest")
    overdue: int = Field(description="owed on the overdue ones")


class InvoicePage(BaseModel):
    model_config = _example(
        {"items": [SUMMARY_EXAMPLE], "total": 1, "next": None,
         "totals": {"open": 1190, "owed": 1190, "overdue": 0}, "currency": "EUR"}
    )  # fmt: skip

    items: list[InvoiceSummary]
    total: int
    next: str | None = Field(description="cursor of the next page")
    totals: InvoiceTotals
    currency: str


class InvoicePayment(BaseModel):
    model_config = _example(PAYMENT_EXAMPLE)

    id: str
    invoice_id: str
    method: Literal["cash", "transfer", "card", "sepa", "credit"]
    amount: int
    to_fees: int = Field(description="§367 BGB: fees first …")
    to_interest: int = Field(description="… then interest …")
    to_principal: int = Field(description="… then the principal")
    operation_id: str | None = Field(description="credit: the journal's payment operation")
    reference: str | None
    created_at: str
    created_by: str
    reversed_at: str | None = Field(None, description="a returned direct debit: owed again")
    reversed_reason: str | None = None


class PaymentResult(BaseModel):
    model_config = _example({"payment": PAYMENT_EXAMPLE,
                             "invoice": {**INVOICE_EXAMPLE, "state": "paid", "open": 0,
                                         "owed": 0, "principal_paid": 1190}})  # fmt: skip

    payment: InvoicePayment
    invoice: Invoice


class PaymentList(BaseModel):
    model_config = _example({"items": [PAYMENT_EXAMPLE]})

    items: list[InvoicePayment]


class DunningRunIn(StrictIn):
    dry_run: StrictBool = Field(False, description="only list what would happen")


REMINDER_EXAMPLE = {
    "invoice_id": "42", "number": "RE-2026-00042", "customer_id": "7", "level": 2,
    "fee_charged": 500, "interest_charged": 52, "principal": 10000, "fees": 500,
    "interest": 52, "owed": 10552, "deadline": "2027-01-15",
}  # fmt: skip


class _ReminderAmounts(BaseModel):
    """What one reminder charged and said was owed (open amounts at that time)."""

    level: int = Field(description="1, 2 or 3: the level reached by this run")
    fee_charged: int = Field(description="this level's fee (with the business flat fee)")
    interest_charged: int = Field(description="interest for the days since last charged")
    principal: int = Field(description="open principal")
    fees: int = Field(description="open fees, this one included")
    interest: int = Field(description="open interest, this charge included")
    deadline: str = Field(description="pay by this day")


class Reminder(_ReminderAmounts):
    invoice_id: str
    number: str
    customer_id: str
    owed: int


class ReminderNotice(_ReminderAmounts):
    run_date: str = Field(description="the dunning run that wrote it")
    created_at: str
    created_by: str
    pdf: bool = Field(description="the letter is stored (it is made on the first GET …/pdf)")


class ReminderList(BaseModel):
    model_config = _example(
        {
            "items": [
                {
                    "level": 1, "run_date": "2026-11-08", "principal": 100000, "fees": 0,
                    "interest": 173, "fee_charged": 0, "interest_charged": 173,
                    "deadline": "2026-11-22", "created_at": "2026-11-08T06:00:02.114Z",
                    "created_by": "tilledge dunning-run", "pdf": True,
                }
            ]
        }
    )  # fmt: skip

    items: list[ReminderNotice]


class DunningSkips(BaseModel):
    do_not_dun: int
    sepa_pending: int
    level_3: int = Field(description="at Mahnstufe 3: the owner acts")
    dunned_today: int = Field(description="already reminded today (a second run)")
    not_yet: int = Field(description="overdue, but the next level is not due yet")


class DunningRun(BaseModel):
    model_config = _example(
        {"date": "2027-01-01", "dry_run": False, "reminders": [REMINDER_EXAMPLE], "count": 1,
         "skipped": {"do_not_dun": 0, "sepa_pending": 0, "level_3": 0, "dunned_today": 0,
                     "not_yet": 3}, "currency": "EUR"}
    )  # fmt: skip

    date: str = Field(description="the run's day in the box's time zone")
    dry_run: bool
    reminders: list[Reminder]
    count: int
    skipped: DunningSkips
    currency: str
