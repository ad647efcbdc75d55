"""Pydantic models of the customer records: one source for validation and OpenAPI.

``CustomerFields`` lists every writable SPEC §6 field with its type and
bounds. Create and PATCH share it (PATCH looks only at the fields that were
sent). Checks that need the box (phone region, uniqueness, group exists)
happen in :mod:`edge.customers.validate`, with the same field-level errors.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from edge.platform.bounds import IdText, SmallInt
from edge.platform.text import MultiLine, SingleLine

MAX_MEMO = 200
MAX_THIRD_PARTY_MEMO = 1_000_000
MAX_AMOUNT = 10**12  # SPEC §1: amounts above 10^12 minor units are rejected


def _blank_to_none(v: Any) -> Any:
    # Forms send "" for an empty input: store it as "not set", not as "".
    if isinstance(v, str) and not v.strip():
        return None
    return v


def Text(n: int, rules: Any = SingleLine) -> Any:  # reads like a type in the models below
    return Annotated[
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=n), rules] | None,
        BeforeValidator(_blank_to_none),
    ]


def Notes(n: int) -> Any:  # a multi-line Text: keeps LF and TAB
    return Text(n, MultiLine)


Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SingleLine
]


Phone = Text(40)
StrictInt = Annotated[int, Field(strict=True)]
Percent = Annotated[int, Field(strict=True, ge=0, le=100)]
Money = Annotated[int, Field(strict=True, ge=0, le=MAX_AMOUNT)]
Gender = Literal["female", "male", "diverse", "unspecified"]
CustomerType = Literal["individual", "business"]
Status = Literal["active", "inactive"]
CardStatus = Literal["active", "blocked", "lost"]
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]


class CustomerFields(BaseModel):
    """Every writable customer field (SPEC §6). Unset optional fields are null."""

    model_config = ConfigDict(extra="forbid")

    type: CustomerType = "individual"
    customer_number: Annotated[int, Field(strict=True, ge=1, le=10**12)] | None = Field(
        None, description="Automatic from the next number when omitted."
    )
    title: Text(50) = None
    first_name: Text(100) = None
    last_name: Text(100) = Field(None, description="Required for individuals.")
    alias: Text(100) = None
    gender: Annotated[Gender | None, BeforeValidator(_blank_to_none)] = None
    date_of_birth: Annotated[date | None, BeforeValidator(_blank_to_none)] = Field(
        None, description="ISO date, not in the future."
    )
    social_security_number: Text(30) = None
    email: Text(254) = None
    invoice_email: Text(254) = Field(None, description="Falls back to email when unset.")
    phone: Phone = Field(None, description="Stored as E.164; national numbers use box.country.")
    business_phone: Phone = None
    mobile: Phone = None
    fax: Phone = None
    whatsapp: Phone = None
    whatsapp_opt_in: bool = False
    homepage: Text(200) = None
    newsletter_opt_in: bool = False
    email_invoices: bool = False
    preferred_language: Annotated[
        Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")] | None,
        BeforeValidator(_blank_to_none),
    ] = Field(None, description="Language tag such as de, en or de-AT.")
    street: Text(100) = None
    house_number: Text(20) = None
    postal_code: Text(20) = None
    city: Text(100) = None
    country: Text(2) = Field(None, description="ISO 3166-1 alpha-2, e.g. DE.")
    care_of: Text(100) = None
    po_box: Text(30) = None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    company_name: Text(150) = Field(None, description="Required for businesses; display name.")
    vat_id: Text(20) = Field(None, description="EU VAT ID, checked for syntax and check digits.")
    tax_id: Text(30) = None
    registration_number: Text(50) = None
    business_type: Text(50) = None
    industry: Text(100) = None
    group_id: Text(20) = None
    segment: Text(50) = None
    discount_percent: Percent | None = Field(
        None, description="Whole percent 0..100; null = use the group's default."
    )
    price_level: Annotated[int, Field(strict=True, ge=1, le=99)] | None = None
    credit_limit: Money | None = Field(None, description="Minor units.")
    allow_invoice_payment: bool = False
    do_not_dun: bool = False
    payment_terms_days: Annotated[int, Field(strict=True, ge=0, le=365)] | None = None
    payment_method: Text(50) = None
    net_mode: bool = Field(False, description="Force net prices (reverse charge) by hand.")
    iban: Text(42) = None
    bic: Text(15) = None
    bank_name: Text(100) = None
    sepa_mandate_reference: Annotated[
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9+?/\-:().,' ]{1,35}$"),
        ]
        | None,
        BeforeValidator(_blank_to_none),
    ] = Field(None, description="SEPA mandate id: up to 35 characters of the SEPA set.")
    sepa_mandate_date: Annotated[date | None, BeforeValidator(_blank_to_none)] = None
    favourite: bool = False
    blocked: bool = Field(False, description="Blocked customers cannot pay or top up.")
    lock_text: Text(200) = Field(None, description="Shown to the operator when blocked.")
    loss_reason: Text(200) = None
    notes: Notes(5000) = None
    memo: Annotated[
        Annotated[str, StringConstraints(max_length=MAX_MEMO), MultiLine] | None,
        BeforeValidator(_blank_to_none),
    ] = Field(None, description="At most 200 characters.")
    third_party_memo: (
        Annotated[str, StringConstraints(max_length=MAX_THIRD_PARTY_MEMO), MultiLine] | None
    ) = Field(None, description="Writable only with the thirdparty scope; ≤ 1,000,000 chars.")
    is_employee: bool = False
    is_debtor: bool = False
    points_blocked: bool = Field(False, description="Points program blocked: no earn, no redeem.")


class CustomerCreate(CustomerFields):
    pass


class CustomerPatch(CustomerFields):
    """Partial update: only the fields present in the body change; null unsets."""

    type: CustomerType = "individual"


class CreateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    allow_duplicate: bool = Field(False, description="Create even when duplicates exist.")


class CardOut(BaseModel):
    uid: str
    status: CardStatus
    deposit_paid: bool
    created_at: str


class GroupOut(BaseModel):
    id: str
    name: str
    default_discount_percent: int | None
    color: str | None
    sort_order: int


class Customer(CustomerFields):
    """The full record (GET /customers/{id})."""

    model_config = ConfigDict(extra="allow")

    id: str
    customer_number: int  # type: ignore[assignment]
    display_name: str
    status: Status
    group: GroupOut | None
    effective_discount_percent: int
    reverse_charge: bool = Field(description="Net mode in effect (by hand or by EU VAT ID).")
    age_alert: bool
    cash: int
    bonus: int
    points: int
    open_amount: int = Field(0, description="Unpaid principal of the issued invoices.")
    credit_available: int | None = Field(
        None,
        description="What may still go on invoice (credit_limit - open_amount); null: no limit.",
    )
    currency: str
    cards: list[CardOut]
    merged_into: str | None
    last_visit: str | None
    erased_at: str | None = Field(
        None, description="Set once the personal data was erased (GDPR); the name is a pseudonym."
    )
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str


class CustomerSummary(BaseModel):
    """One search hit."""

    id: str
    customer_number: int
    type: CustomerType
    display_name: str
    first_name: str | None
    last_name: str | None
    company_name: str | None
    email: str | None
    phone: str | None
    mobile: str | None
    city: str | None
    status: Status
    blocked: bool
    group_id: str | None
    matched: str = Field(description="Which field matched: number, card, phone, name, ...")


class CustomerPage(BaseModel):
    items: list[CustomerSummary]
    total: int = Field(description="Matches, counted up to total_limit.")
    total_exact: bool = Field(description="False when there are more than total_limit matches.")
    next: str | None = Field(description="Cursor for the next page; null on the last page.")


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: Annotated[str, StringConstraints(max_length=100)] = ""
    status: Status | None = None
    type: CustomerType | None = None
    group: Annotated[str, StringConstraints(max_length=20)] | None = None
    limit: int = Field(50, ge=1, le=500)
    cursor: Annotated[str, StringConstraints(max_length=500)] | None = None
    offset: int | None = Field(None, ge=0, le=10_000)


class HistoryEntry(BaseModel):
    id: str
    at: str
    actor: str
    field: str
    old: Any
    new: Any


class HistoryPage(BaseModel):
    items: list[HistoryEntry]
    total: int
    next: str | None


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(50, ge=1, le=500)
    cursor: Annotated[str, StringConstraints(max_length=100)] | None = None
    offset: int | None = Field(None, ge=0, le=10**12)


class MergeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source_id: IdText


class PurgeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = Field(True, description="Only count (the default).")
    expected_count: SmallInt | None = Field(
        None, description="Required when dry_run is false: the count the dry run showed."
    )
    only_inactive: bool = Field(False, description="Limit to deactivated customers.")


class PurgeResult(BaseModel):
    dry_run: bool
    count: int
    deleted: int


class CardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uid: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    deposit_paid: bool = False


class CardBlock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Literal["blocked", "lost"]


class TapCustomer(BaseModel):
    id: str
    customer_number: int
    number: int = Field(description="Same as customer_number (event shape).")
    display_name: str
    type: CustomerType
    status: Status
    cash: int
    bonus: int
    points: int
    currency: str
    effective_discount_percent: int
    blocked: bool
    lock_text: str | None
    age_alert: bool
    points_blocked: bool
    group: GroupOut | None
    has_default_delivery_address: bool = Field(
        False, description="The customer has a default delivery address."
    )
    default_delivery_address: str | None = Field(None, description="Its label, if any.")


class TapResult(BaseModel):
    uid: str
    card: CardOut
    customer: TapCustomer


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    default_discount_percent: Percent | None = None
    color: Color | None = None
    sort_order: Annotated[int, Field(strict=True, ge=-1_000_000, le=1_000_000)] = 0


class GroupPatch(BaseModel):
    """Only the fields sent change; name and sort_order cannot be null."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    default_discount_percent: Percent | None = None
    color: Color | None = None
    sort_order: Annotated[int, Field(strict=True, ge=-1_000_000, le=1_000_000)] | None = None


class GroupPage(BaseModel):
    items: list[GroupOut]
    total: int
    next: str | None
