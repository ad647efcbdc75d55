"""Delivery address routes (BACKOFFICE §11): list, add, read, change, delete,
make default. Geodata is looked up after the save by the geocoding worker
(``geo_state: pending``); the answer never waits for it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from flask import Response

from edge.api import examples as ex
from edge.api.auth import current_actor
from edge.api.context import current_box
from edge.api.idempotency import commit
from edge.api.registry import api
from edge.customers import service
from edge.customers.delivery import fields as f
from edge.customers.delivery import store, worker
from edge.platform.actor import Actor
from edge.platform.bounds import parse_row_id
from edge.platform.clock import now_iso

routes = api.section("delivery addresses")
ITEM = "/customers/<id>/addresses/<address_id>"


def _ids(id: str, address_id: str) -> tuple[int, int]:
    return service.parse_id(id), int(parse_row_id(address_id) or 0)  # the registry checked it


def _write(cid: int, fn: Callable[[sqlite3.Connection, Actor], int], status: int = 200) -> Response:
    """Run ``fn`` (which answers the address id) and answer that address."""
    box, actor = current_box(), Actor(current_actor(), now_iso())

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        return store.get(conn, cid, fn(conn, actor)), status

    return commit(txn, after=lambda _body: worker.wake(box))


def _geocoding() -> bool:
    return worker.configured(current_box())


@routes.get(
    "/customers/<id>/addresses",
    response=f.AddressPage,
    errors=("not_found",),
    example=ex.ADDRESS_PAGE,
)
def list_addresses(id: str) -> dict[str, Any]:
    """A customer's delivery addresses, the default first

    Each with its geodata and `geo_state`: `pending` while the geocoder has
    not answered, `found`, `not_found`, `failed` (it gave up; `geo_error`
    says why), `manual` for a pin, `none` without a configured geocoder.
    """
    return store.list_addresses(current_box().db.reader(), service.parse_id(id))


@routes.post(
    "/customers/<id>/addresses",
    body=f.AddressCreate,
    response=f.Address,
    status=201,
    errors=("not_found", "conflict"),
    example=ex.ADDRESS,
)
def add_address(id: str, body: f.AddressCreate) -> Response:
    """Add a delivery address (the first becomes the default)

    `is_default: true` moves the default to it. `latitude` and `longitude`
    together are a manual pin, which the geocoder never overwrites; without
    them the address is looked up after the save when a geocoder is
    configured. More than 50 addresses per customer is `conflict`.
    """
    cid = service.parse_id(id)
    values = store.normalize(body.model_dump())
    geocoding = _geocoding()
    return _write(
        cid,
        lambda conn, actor: store.create(conn, cid, values, geocoding=geocoding, actor=actor),
        201,
    )


@routes.get(ITEM, response=f.Address, errors=("not_found",), example=ex.ADDRESS)
def get_address(id: str, address_id: str) -> dict[str, Any]:
    """One delivery address with its geodata state

    The same shape as in the list; another customer's address is `not_found`.
    """
    cid, aid = _ids(id, address_id)
    return store.get(current_box().db.reader(), cid, aid)


@routes.patch(
    ITEM, body=f.AddressPatch, response=f.Address, errors=("not_found",), example=ex.ADDRESS
)
def patch_address(id: str, address_id: str, body: f.AddressPatch) -> Response:
    """Change a delivery address (null unsets; a changed address is looked up again)

    `latitude` + `longitude` set a manual pin (`geo_source: manual`); both
    `null` remove it. A pin stays when the address text changes.
    """
    cid, aid = _ids(id, address_id)
    values = store.normalize(body.model_dump(exclude_unset=True))
    geocoding = _geocoding()

    def change(conn: sqlite3.Connection, actor: Actor) -> int:
        store.update(conn, cid, aid, values, geocoding=geocoding, actor=actor)
        return aid

    return _write(cid, change)


@routes.delete(ITEM, errors=("not_found",), status=204)
def delete_address(id: str, address_id: str) -> Response:
    """Delete a delivery address (a deleted default hands over to the oldest other one)

    No content on success. Purchases keep the address they were delivered to.
    """
    cid, aid = _ids(id, address_id)
    actor = Actor(current_actor(), now_iso())

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        store.delete(conn, cid, aid, actor=actor)
        return {}, 200

    commit(txn)
    return Response(status=204)


@routes.post(f"{ITEM}/default", response=f.Address, errors=("not_found",), example=ex.ADDRESS)
def make_default(id: str, address_id: str) -> Response:
    """Make this the customer's default delivery address

    The previous default stops being it in the same transaction.
    """
    cid, aid = _ids(id, address_id)

    def change(conn: sqlite3.Connection, actor: Actor) -> int:
        store.make_default(conn, cid, aid, actor=actor)
        return aid

    return _write(cid, change)
