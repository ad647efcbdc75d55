"""The basket a quote or checkout prices: lines, tenders, points to redeem.

A pydantic model because the API validates its body with it and documents
it in OpenAPI, and an API worker hands a checkout to the primary as its
JSON (edge/serving/primary_writes.py); :func:`edge.money.checkout.price`
reads its fields. Imports no project module.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

ReceiptNo = Annotated[str, Field(min_length=1, max_length=64)]


class StrictIn(BaseModel):
    """A request part: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class LineIn(StrictIn):
    sku: Annotated[str, Field(max_length=64)] | None = None
    name: Annotated[str, Field(max_length=200)] | None = None
    quantity: Annotated[str, Field(max_length=32)] | StrictInt = Field(
        "1", description='decimal with up to 3 places, e.g. "2" or "0.250"'
    )
    unit_price: Annotated[StrictInt, Field(ge=0, le=10**12)]
    vat_rate_bp: Annotated[StrictInt, Field(ge=0, le=10000)] = 0
    discountable: StrictBool = True


def priced_line(ln: LineIn | Any, p: Any) -> dict[str, Any]:
    """A line as answers and invoices show it: as sent, with its prices
    (``p``: the core's ``PricedLine``)."""
    return {
        "sku": ln.sku,
        "name": ln.name,
        "quantity": ln.quantity,
        "unit_price": ln.unit_price,
        "vat_rate_bp": ln.vat_rate_bp,
        "discountable": ln.discountable,
        "gross": p.gross,
        "discount_percent": p.discount_percent,
        "discount": p.discount,
        "total": p.total,
    }


class TenderIn(StrictIn):
    type: Literal["credit", "cash", "card", "voucher", "other", "invoice"]
    amount: Annotated[StrictInt, Field(ge=0, le=10**12)] | None = Field(
        None,
        description="null on credit: as much of the open total as the balances allow;"
        " null on invoice: whatever is still open after the other tenders",
    )


# SPEC §5: exactly one payer. A null field counts as absent, so each branch
# also asks for a string: ``{"customer_id": "7", "card_uid": null}`` is valid.
EXACTLY_ONE_PAYER: dict[str, Any] = {
    "oneOf": [
        {"required": [name], "properties": {name: {"type": "string"}}}
        for name in ("customer_id", "card_uid")
    ]
}


class BasketIn(StrictIn):
    """A basket to price. The payer is exactly one of `customer_id` or
    `card_uid`; both, or neither, is answered 422 `validation_error`."""

    # The rule itself is kept by edge.money.checkout.resolve_payer, so the
    # panel and the primary's write path keep it too.

    model_config = ConfigDict(extra="forbid", json_schema_extra=EXACTLY_ONE_PAYER)

    customer_id: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    card_uid: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    receipt_no: ReceiptNo | None = None
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=500)]
    redeem_points: Annotated[StrictInt, Field(ge=0, le=10**12)] = 0
    tenders: list[TenderIn] = Field(default_factory=list, max_length=10)
    print_receipt: StrictBool = False
    delivery_address_id: Annotated[str, Field(min_length=1, max_length=32)] | None = Field(
        None, description="One of the payer's delivery addresses; kept with the purchase."
    )
