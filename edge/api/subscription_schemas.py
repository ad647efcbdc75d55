"""Request and response models of the subscription routes (BACKOFFICE §10,
docs/subscriptions.md), for validation and the OpenAPI document. Imports
pydantic, the basket's strict base and the platform's text and bounds rules."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from edge.money.basket import StrictIn
from edge.platform.bounds import IdText
from edge.platform.text import SingleLine

Status = Literal["active", "paused", "cancelled"]
Interval = Literal["monthly", "quarterly", "annually"]
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day_text(value: Any) -> Any:
    # Only "YYYY-MM-DD": pydantic alone would take a number as a timestamp.
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise ValueError("a date as YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_day_text)]
Description = Annotated[str, Field(min_length=1, max_length=200), SingleLine]
Amount = Annotated[StrictInt, Field(gt=0, le=10**12, description="gross, minor units, > 0")]


def _example(value: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [value]})


class SubscriptionIn(StrictIn):
    customer_id: IdText
    description: Description
    amount: Amount
    vat_rate_bp: Annotated[StrictInt, Field(ge=0, le=10000)] = 1900
    interval: Interval
    start_date: Day
    end_date: Day | None = Field(None, description="no period starts on or after it")
    sepa: StrictBool = Field(False, description="collected by SEPA direct debit")
    net_mode: StrictBool = Field(False, description="reverse charge: the amount is net, VAT 0")


class SubscriptionPatch(StrictIn):
    """Members not sent stay as they are; `end_date: null` removes the end."""

    description: Description | None = None
    amount: Amount | None = None
    end_date: Day | None = None
    sepa: StrictBool | None = None
    net_mode: StrictBool | None = None


class SubscriptionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: Annotated[str, Field(max_length=32)] | None = None
    status: Status | None = None
    limit: int = Field(50, ge=1, le=500)
    cursor: Annotated[str, Field(max_length=32)] | None = None


class BillingRunIn(StrictIn):
    dry_run: StrictBool = Field(False, description="only list what would be billed")
    until: Day | None = Field(None, description="bill periods starting up to this day (≤ today)")


SUBSCRIPTION_EXAMPLE = {
    "id": "3", "customer_id": "7", "description": "Wartungsvertrag Kaffeemaschine",
    "amount": 11900, "vat_rate_bp": 1900, "interval": "monthly", "start_date": "2027-01-31",
    "end_date": None, "sepa": True, "net_mode": False, "status": "active", "cancel_at": None,
    "next_billing": "2027-02-28", "periods_billed": 1, "last_period_start": "2027-01-31",
    "currency": "EUR", "created_at": "2027-01-20T10:00:00.000000Z",
    "created_by": "terminal:backoffice", "updated_at": "2027-01-20T10:00:00.000000Z",
    "updated_by": "terminal:backoffice",
}  # fmt: skip
BILLED_EXAMPLE = {
    "subscription_id": "3", "customer_id": "7", "period_start": "2027-02-28",
    "period_end": "2027-03-30", "amount": 11900, "invoice_id": "42", "number": "RE-2027-00042",
}  # fmt: skip


class Subscription(BaseModel):
    model_config = _example(SUBSCRIPTION_EXAMPLE)

    id: str
    customer_id: str
    description: str
    amount: int = Field(description="gross per period (net in net mode), minor units")
    vat_rate_bp: int
    interval: Interval
    start_date: str = Field(description="period n starts n intervals after it, clamped")
    end_date: str | None
    sepa: bool
    net_mode: bool
    status: Status
    cancel_at: str | None = Field(description="cancelled: the last day billed for")
    next_billing: str | None = Field(
        description="the first period without an invoice; null when none will be billed"
    )
    periods_billed: int
    last_period_start: str | None
    currency: str
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str


class SubscriptionPage(BaseModel):
    model_config = _example({"items": [SUBSCRIPTION_EXAMPLE], "total": 1, "next": None})

    items: list[Subscription]
    total: int
    next: str | None = Field(description="cursor of the next page")


class BilledPeriod(BaseModel):
    subscription_id: str
    customer_id: str
    period_start: str
    period_end: str
    amount: int
    invoice_id: str | None = Field(description="null in a dry run")
    number: str | None = Field(description="the invoice number; null in a dry run")


class FailedPeriod(BaseModel):
    subscription_id: str
    customer_id: str
    period_start: str
    period_end: str
    amount: int
    code: str = Field(description="the problem code the invoice book refused it with")
    detail: str


class BillingRun(BaseModel):
    model_config = _example(
        {"until": "2027-02-28", "dry_run": False, "billed": [BILLED_EXAMPLE], "count": 1,
         "failed": [], "already_billed": 0, "currency": "EUR"}
    )  # fmt: skip

    until: str
    dry_run: bool
    billed: list[BilledPeriod]
    count: int
    failed: list[FailedPeriod] = Field(description="refused (e.g. a blocked customer); retried")
    already_billed: int = Field(description="due when listed, billed meanwhile by another run")
    currency: str
