"""Pydantic models of delivery addresses: one source for validation and OpenAPI.

Create and PATCH share :class:`AddressFields` (PATCH looks only at what was
sent). A manual pin is ``latitude`` and ``longitude`` sent together; both
null removes it and the geocoder may look the address up again.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from edge.customers.fields import Text
from edge.platform.text import SingleLine

GeoSource = Literal["none", "geocoder", "manual"]
GeoState = Literal["none", "pending", "found", "not_found", "failed", "manual"]
Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), SingleLine
]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class AddressFields(BaseModel):
    """The writable fields of a delivery address."""

    model_config = ConfigDict(extra="forbid")

    street: Text(100) = None
    house_number: Text(20) = None
    postal_code: Text(20) = None
    city: Text(100) = None
    country: Text(2) = Field(None, description="ISO 3166-1 alpha-2, e.g. DE.")
    latitude: Latitude | None = Field(None, description="A manual pin, with longitude.")
    longitude: Longitude | None = Field(None, description="A manual pin, with latitude.")


class AddressCreate(AddressFields):
    label: Label = Field(description="What staff call it: Home, Office, …")
    is_default: bool = Field(False, description="Make it the default (the first always is).")


class AddressPatch(AddressFields):
    """Only the fields sent change; null unsets (label cannot be null)."""

    label: Label | None = None


class Address(BaseModel):
    id: str
    customer_id: str
    label: str
    street: str | None
    house_number: str | None
    postal_code: str | None
    city: str | None
    country: str | None
    latitude: float | None
    longitude: float | None
    geo_source: GeoSource = Field(description="Where the coordinates come from.")
    geo_state: GeoState = Field(
        description="none (no service or nothing to look up), pending, found, not_found, "
        "failed (gave up, see geo_error) or manual (a pin; the geocoder never overrides it)."
    )
    geo_attempts: int
    geo_error: str | None
    geocoded_at: str | None
    is_default: bool
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str


class AddressPage(BaseModel):
    items: list[Address]
    total: int
