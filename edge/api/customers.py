"""Customer routes (API.md): search, create, read, update, deactivate,
reactivate, history, merge and the permanent "delete customers without revenue"."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Response

from edge.api import examples as ex
from edge.api.auth import current_actor, has_scope
from edge.api.bounds import query_id
from edge.api.context import current_box
from edge.api.idempotency import commit
from edge.api.problems import ApiError
from edge.api.registry import api
from edge.customers import fields as m
from edge.customers import search as s
from edge.customers import service
from edge.customers.validate import normalize_fields
from edge.errors import NotFound
from edge.money import merge as merging
from edge.platform.clock import now_iso
from edge.platform.config import Config

routes = api.section("customers")
THIRD_PARTY_FIELD = "third_party_memo"


def _third_party_guard(sent: set[str]) -> None:
    # Read-only for staff (SPEC §6): refuse the whole request rather than
    # silently dropping the field, so an integration notices its missing scope.
    if THIRD_PARTY_FIELD in sent and not has_scope("thirdparty"):
        raise ApiError(
            403,
            "forbidden",
            "third_party_memo can only be written with the 'thirdparty' scope",
            errors=[{"field": THIRD_PARTY_FIELD, "message": "needs the thirdparty scope"}],
        )


def _normalized(body: m.CustomerFields) -> dict[str, Any]:
    values = body.model_dump(exclude_unset=True)
    _third_party_guard(set(values))
    box = current_box()
    return normalize_fields(values, box.config.box.country, service.today_utc())


def _record(
    conn: sqlite3.Connection, customer_id: int, config: Config | None = None
) -> dict[str, Any]:
    # Inside a write the writer thread has no app context: pass the config in.
    return service.get_customer(conn, customer_id, config=config or current_box().config)


@routes.get("/customers", query=m.SearchQuery, response=m.CustomerPage, example=ex.CUSTOMER_PAGE)
def search_customers(query: m.SearchQuery) -> dict[str, Any]:
    """Search customers as you type (name, number, e-mail, phone, company, card)

    `q` matches, in this order: customer number prefix, card UID prefix, phone
    (E.164 prefix when typed with `+`, `00` or `0`, else any fragment of 4 or
    more digits), name and company prefixes (case and accents ignored), e-mail
    prefix; each customer once, under the first way it matched (`matched`).
    Empty `q`: all customers by id. `total` is exact up to 1,000 matches.
    """
    group_id = query_id(query.group, "query.group", "not a group id")
    box = current_box()
    return s.search(
        box.db.reader(),
        query.q,
        filters=s.Filters(status=query.status, type=query.type, group_id=group_id),
        region=box.config.box.country,
        limit=query.limit,
        cursor=query.cursor,
        offset=query.offset,
    )


@routes.post(
    "/customers",
    query=m.CreateQuery,
    body=m.CustomerCreate,
    response=m.Customer,
    status=201,
    errors=("conflict", "duplicate_customer"),
    example=ex.CUSTOMER,
)
def create_customer(query: m.CreateQuery, body: m.CustomerCreate) -> Response:
    """Create a customer (409 duplicate_customer unless ?allow_duplicate=true)

    An individual needs `last_name`, a business `company_name`; without
    `customer_number` the next free number is taken (a taken one is
    `conflict`). An active customer with the same e-mail, phone or name and date
    of birth is `duplicate_customer` with up to 10 `candidates`.
    `third_party_memo` needs the `thirdparty` scope (`forbidden`).
    """
    values = _normalized(body)
    box, actor = current_box(), current_actor()

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        cid = service.create_customer(
            conn,
            values,
            config=box.config,
            actor=actor,
            now=now_iso(),
            allow_duplicate=query.allow_duplicate,
        )
        return _record(conn, cid, box.config), 201

    return commit(txn)


@routes.get("/customers/<id>", response=m.Customer, errors=("not_found",), example=ex.CUSTOMER)
def get_customer(id: str) -> dict[str, Any]:
    """The full customer record with balances, group, cards and effective discount

    Every master-data field, and what the box derives: `display_name`, `group`,
    `effective_discount_percent`, `reverse_charge`, `age_alert`, the balances.
    """
    return _record(current_box().db.reader(), service.parse_id(id))


@routes.patch(
    "/customers/<id>",
    body=m.CustomerPatch,
    response=m.Customer,
    errors=("not_found", "conflict"),
    example=ex.CUSTOMER,
)
def patch_customer(id: str, body: m.CustomerPatch) -> Response:
    """Change some fields (null unsets); every change is kept in the history

    Members not sent are left alone; booleans cannot be null; `status` is not
    writable here (deactivate and reactivate). A value already taken is
    `conflict`; `third_party_memo` needs the `thirdparty` scope.
    """
    cid = service.parse_id(id)
    values = _normalized(body)
    box, actor = current_box(), current_actor()

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        service.update_customer(conn, cid, values, config=box.config, actor=actor, now=now_iso())
        return _record(conn, cid, box.config), 200

    return commit(txn)


def _set_status(id: str, status: str) -> Response:
    cid = service.parse_id(id)
    config, actor = current_box().config, current_actor()

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        service.set_status(conn, cid, status, actor=actor, now=now_iso())
        return _record(conn, cid, config), 200

    return commit(txn)


@routes.delete(
    "/customers/<id>",
    scope="manager",
    response=m.Customer,
    errors=("not_found",),
    example=ex.CUSTOMER,
)
def deactivate_customer(id: str) -> Response:
    """Deactivate a customer (data kept; reactivate to undo)

    Answers the record with `status: "inactive"`; money operations are refused
    while inactive.
    """
    return _set_status(id, "inactive")


@routes.post(
    "/customers/<id>/reactivate",
    scope="manager",
    response=m.Customer,
    errors=("not_found", "conflict"),
    example=ex.CUSTOMER,
)
def reactivate_customer(id: str) -> Response:
    """Reactivate a deactivated customer

    A merged customer cannot come back (`conflict`).
    """
    return _set_status(id, "active")


@routes.get(
    "/customers/<id>/history",
    query=m.ListQuery,
    response=m.HistoryPage,
    errors=("not_found",),
    example=ex.HISTORY_PAGE,
)
def customer_history(id: str, query: m.ListQuery) -> dict[str, Any]:
    """Field changes, newest first: who, when, field, old and new value

    `field` is a master-data field, or `created`, `status`, `cards`,
    `merged_from`, `merged_into`.
    """
    after = query_id(query.cursor, "query.cursor", "invalid cursor")
    return service.history(
        current_box().db.reader(),
        service.parse_id(id),
        limit=query.limit,
        after=after,
        offset=query.offset or 0,
    )


class MergeResult(m.BaseModel):
    target_id: str
    source_id: str
    moved: dict[str, int]
    filled_fields: list[str]
    customer: m.Customer


@routes.post(
    "/customers/<id>/merge",
    scope="manager",
    body=m.MergeBody,
    response=MergeResult,
    errors=("not_found", "conflict", "customer_inactive"),
    example=ex.MERGE,
)
def merge_customers(id: str, body: m.MergeBody) -> Response:
    """Merge source_id into this customer (cards, history, purchases move)

    The source's balances move through one `merge` operation of Correction
    entries (`moved`); the target's empty fields are filled from the source
    (`filled_fields`); the source becomes inactive with `merged_into`. A source
    already merged is `conflict`, an inactive target `customer_inactive`.
    """
    target = service.parse_id(id)
    try:
        source = service.parse_id(body.source_id)
    except NotFound as e:
        raise NotFound(
            e.detail,
            errors=[{"field": "source_id", "message": "no such customer"}],
        ) from e
    config, actor = current_box().config, current_actor()

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        result = merging.merge_customers(conn, target, source, actor=actor, now=now_iso())
        result["customer"] = _record(conn, target, config)
        return result, 200

    return commit(txn)


@routes.post(
    "/customers/purge-without-revenue",
    scope="manager",
    body=m.PurgeBody,
    response=m.PurgeResult,
    errors=("conflict",),
    example=ex.PURGE,
)
def purge_without_revenue(body: m.PurgeBody) -> Response:
    """Permanently delete customers without journal entries, purchases or balance (dry run by
    default; a real run repeats the dry run's count)

    A real run whose `expected_count` is not the current count is `conflict`
    with `count`, and nothing is deleted.
    """

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        result = service.purge_without_revenue(
            conn,
            dry_run=body.dry_run,
            expected_count=body.expected_count,
            only_inactive=body.only_inactive,
        )
        return result, 200

    return commit(txn)
