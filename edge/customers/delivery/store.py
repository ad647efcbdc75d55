"""Delivery addresses in the database: every change one transaction, with a
history entry on the customer (field ``delivery_addresses``).

The default: the first address of a customer becomes it; making another
the default moves it in the same transaction; deleting the default promotes
the oldest remaining address (lowest id), so a customer with addresses always
has exactly one default. A partial unique index keeps it at most one.

Geodata: a save never waits for the geocoder. It only marks the address
``pending`` (when a service is configured and there is something to look up)
under its normalised :func:`~edge.customers.delivery.geocoder.address_key`;
the worker answers later and writes only while the key is unchanged and no
manual pin was set meanwhile. A pin (``latitude`` + ``longitude``) wins
always; sending both null removes it and the address is looked up again.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.customers.delivery.geocoder import address_key
from edge.customers.history import log_change
from edge.customers.lookup import customer_row
from edge.customers.normalize import FieldError, normalize_country
from edge.errors import Conflict, FieldErrors, NotFound
from edge.platform.actor import Actor
from edge.platform.bounds import parse_row_id

MAX_PER_CUSTOMER = 50
ADDRESS_FIELDS = ("label", "street", "house_number", "postal_code", "city", "country")
HISTORY_FIELD = "delivery_addresses"
INTERNAL = ("geo_key", "geo_next_at")  # the worker's bookkeeping, not in answers


def normalize(values: dict[str, Any]) -> dict[str, Any]:
    """The sent fields with the country code checked, or :class:`FieldErrors`."""
    out = dict(values)
    errors: list[dict[str, str]] = []
    if out.get("country") is not None:
        try:
            out["country"] = normalize_country(out["country"])
        except FieldError as e:
            errors.append({"field": "country", "message": str(e)})
    pin = [f for f in ("latitude", "longitude") if f in out]
    if len(pin) == 1 or (pin and (out["latitude"] is None) != (out["longitude"] is None)):
        for f in ("latitude", "longitude"):
            errors.append({"field": f, "message": "send latitude and longitude together"})
    if "label" in out and out["label"] is None:
        errors.append({"field": "label", "message": "cannot be null"})
    if errors:
        raise FieldErrors(errors)
    return out


def address_out(row: sqlite3.Row) -> dict[str, Any]:
    out = {k: v for k, v in dict(row).items() if k not in INTERNAL}
    out["id"], out["customer_id"] = str(row["id"]), str(row["customer_id"])
    out["is_default"] = bool(row["is_default"])
    return out


def _snapshot(row: sqlite3.Row | dict[str, Any]) -> dict[str, Any]:
    """What the history keeps of an address (not its geodata bookkeeping)."""
    keys = ("id", *ADDRESS_FIELDS, "latitude", "longitude", "is_default")
    return {k: (str(row[k]) if k == "id" else row[k]) for k in keys}


def row_of(conn: sqlite3.Connection, customer_id: int, address_id: int) -> sqlite3.Row:
    row = conn.execute(
        "SELECT * FROM delivery_addresses WHERE id = ? AND customer_id = ?",
        [address_id, customer_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"customer {customer_id} has no delivery address {address_id}")
    return row  # type: ignore[no-any-return]


def list_addresses(conn: sqlite3.Connection, customer_id: int) -> dict[str, Any]:
    """Default first, then oldest first."""
    customer_row(conn, customer_id, "id")
    rows = conn.execute(
        "SELECT * FROM delivery_addresses WHERE customer_id = ? ORDER BY is_default DESC, id",
        [customer_id],
    ).fetchall()
    return {"items": [address_out(r) for r in rows], "total": len(rows)}


def get(conn: sqlite3.Connection, customer_id: int, address_id: int) -> dict[str, Any]:
    customer_row(conn, customer_id, "id")
    return address_out(row_of(conn, customer_id, address_id))


def _geo_columns(record: dict[str, Any], *, geocoding: bool, pin_sent: bool, now: str) -> None:
    """Set the geodata bookkeeping of ``record`` (the row as it will be)."""
    key = address_key(record)
    pinned = record.get("latitude") is not None
    if pin_sent and pinned:
        record.update(geo_source="manual", geo_state="manual", geocoded_at=now, geo_error=None)
    elif pin_sent or (record.get("geo_source") != "manual" and key != record.get("geo_key")):
        # A new address, a changed one, or a removed pin: look it up afresh.
        record.update(latitude=None, longitude=None, geo_source="none", geocoded_at=None)
        record.update(geo_state="pending" if geocoding and key else "none", geo_error=None)
        record.update(geo_attempts=0, geo_next_at=0)
    record["geo_key"] = key


def create(
    conn: sqlite3.Connection,
    customer_id: int,
    values: dict[str, Any],
    *,
    geocoding: bool,
    actor: Actor,
) -> int:
    customer_row(conn, customer_id, "id")
    count = conn.execute(
        "SELECT count(*) FROM delivery_addresses WHERE customer_id = ?", [customer_id]
    ).fetchone()[0]
    if count >= MAX_PER_CUSTOMER:
        raise Conflict(f"a customer has at most {MAX_PER_CUSTOMER} delivery addresses")
    record = {k: values.get(k) for k in (*ADDRESS_FIELDS, "latitude", "longitude")}
    _geo_columns(record, geocoding=geocoding, pin_sent=record["latitude"] is not None, now=actor.at)
    make_default = bool(values.get("is_default")) or count == 0
    if make_default:
        _clear_default(conn, customer_id)
    record.update(
        customer_id=customer_id,
        is_default=int(make_default),
        created_at=actor.at,
        created_by=actor.name,
        updated_at=actor.at,
        updated_by=actor.name,
    )
    cols = ", ".join(record)
    cur = conn.execute(
        f"INSERT INTO delivery_addresses ({cols}) VALUES ({', '.join('?' * len(record))})",
        list(record.values()),
    )
    address_id = int(cur.lastrowid or 0)
    new = _snapshot({**record, "id": address_id})
    log_change(conn, customer_id, actor.name, actor.at, HISTORY_FIELD, None, new)
    return address_id


def update(
    conn: sqlite3.Connection,
    customer_id: int,
    address_id: int,
    values: dict[str, Any],
    *,
    geocoding: bool,
    actor: Actor,
) -> None:
    customer_row(conn, customer_id, "id")
    row = row_of(conn, customer_id, address_id)
    record = dict(row)
    record.update(values)
    _geo_columns(record, geocoding=geocoding, pin_sent="latitude" in values, now=actor.at)
    changed = {k: v for k, v in record.items() if row[k] != v}
    if not changed:
        return
    changed.update(updated_at=actor.at, updated_by=actor.name)
    sets = ", ".join(f"{k} = ?" for k in changed)
    conn.execute(
        f"UPDATE delivery_addresses SET {sets} WHERE id = ?", [*changed.values(), address_id]
    )
    old, new = _snapshot(row), _snapshot(record)
    if old != new:
        log_change(conn, customer_id, actor.name, actor.at, HISTORY_FIELD, old, new)


def _clear_default(conn: sqlite3.Connection, customer_id: int) -> None:
    conn.execute(
        "UPDATE delivery_addresses SET is_default = 0 WHERE customer_id = ? AND is_default = 1",
        [customer_id],
    )


def make_default(
    conn: sqlite3.Connection, customer_id: int, address_id: int, *, actor: Actor
) -> None:
    customer_row(conn, customer_id, "id")
    row = row_of(conn, customer_id, address_id)
    if row["is_default"]:
        return
    _clear_default(conn, customer_id)
    conn.execute(
        "UPDATE delivery_addresses SET is_default = 1, updated_at = ?, updated_by = ? WHERE id = ?",
        [actor.at, actor.name, address_id],
    )
    log_change(
        conn,
        customer_id,
        actor.name,
        actor.at,
        HISTORY_FIELD,
        _snapshot(row),
        {**_snapshot(row), "is_default": 1},
    )


def delete(conn: sqlite3.Connection, customer_id: int, address_id: int, *, actor: Actor) -> None:
    """Remove it; a deleted default hands over to the oldest remaining address.
    Purchases keep the one-line address they were delivered to."""
    customer_row(conn, customer_id, "id")
    row = row_of(conn, customer_id, address_id)
    conn.execute("DELETE FROM delivery_addresses WHERE id = ?", [address_id])
    log_change(conn, customer_id, actor.name, actor.at, HISTORY_FIELD, _snapshot(row), None)
    if row["is_default"]:
        conn.execute(
            "UPDATE delivery_addresses SET is_default = 1 WHERE id ="
            " (SELECT min(id) FROM delivery_addresses WHERE customer_id = ?)",
            [customer_id],
        )


def one_line(row: sqlite3.Row | dict[str, Any]) -> str:
    """``Label: Street 1, 12345 City, DE`` — as a receipt or purchase shows it."""
    street = " ".join(p for p in (row["street"], row["house_number"]) if p)
    place = " ".join(p for p in (row["postal_code"], row["city"]) if p)
    rest = ", ".join(p for p in (street, place, row["country"]) if p)
    return f"{row['label']}: {rest}" if rest else str(row["label"])


def for_sale(conn: sqlite3.Connection, customer_id: int, raw_id: str) -> sqlite3.Row:
    """The address a checkout names, or a field error: it must be the payer's."""
    address_id = parse_row_id(raw_id)
    row = None
    if address_id is not None:
        row = conn.execute(
            "SELECT * FROM delivery_addresses WHERE id = ? AND customer_id = ?",
            [address_id, customer_id],
        ).fetchone()
    if row is None:
        raise FieldErrors.one("delivery_address_id", "not a delivery address of this customer")
    return row  # type: ignore[no-any-return]


def has_default(conn: sqlite3.Connection, customer_id: int) -> str | None:
    """The default address's label, or None when the customer has none."""
    row = conn.execute(
        "SELECT label FROM delivery_addresses WHERE customer_id = ? AND is_default = 1",
        [customer_id],
    ).fetchone()
    return None if row is None else str(row["label"])
