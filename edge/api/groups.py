"""Customer group routes: list and create (pos), change and delete (manager)."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Response

from edge.api import examples as ex
from edge.api.context import current_box
from edge.api.idempotency import commit
from edge.api.registry import api
from edge.customers import fields as m
from edge.customers import groups as gs
from edge.errors import FieldErrors
from edge.platform.clock import now_iso

routes = api.section("groups")


@routes.get("/groups", response=m.GroupPage, example=ex.GROUP_PAGE)
def list_groups() -> dict[str, Any]:
    """Customer groups by sort order

    Every group, ordered by `sort_order`; a group's `default_discount_percent`
    applies to its members without a discount of their own.
    """
    return gs.list_groups(current_box().db.reader())


@routes.post(
    "/groups",
    body=m.GroupCreate,
    response=m.GroupOut,
    status=201,
    errors=("conflict",),
    example=ex.GROUP,
)
def create_group(body: m.GroupCreate) -> Response:
    """Create a customer group

    Names are unique ignoring case (`conflict`); `color` is `#RRGGBB`.
    """
    values = body.model_dump()

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        return gs.create_group(conn, values, now_iso()), 201

    return commit(txn)


@routes.patch(
    "/groups/<id>",
    scope="manager",
    body=m.GroupPatch,
    response=m.GroupOut,
    errors=("not_found", "conflict"),
    example=ex.GROUP,
)
def patch_group(id: str, body: m.GroupPatch) -> Response:
    """Change a customer group

    Changes the members sent; `name` and `sort_order` cannot be null.
    """
    gid = gs.parse_group_id(id)
    values = body.model_dump(exclude_unset=True)
    for key in ("name", "sort_order"):
        if key in values and values[key] is None:
            raise FieldErrors.one(key, "may not be null")

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        return gs.update_group(conn, gid, values, now_iso()), 200

    return commit(txn)


@routes.delete("/groups/<id>", scope="manager", errors=("not_found", "conflict"), status=204)
def delete_group(id: str) -> Response:
    """Delete an empty customer group (409 while customers belong to it)

    No content on success; `conflict` with `members` while customers belong to it.
    """
    gid = gs.parse_group_id(id)

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        gs.delete_group(conn, gid)
        return {}, 200

    commit(txn)
    return Response(status=204)
