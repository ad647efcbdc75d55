"""Customer group routes: list and create (pos), change and delete (manager)."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Response

from edge.api.context import current_box
from edge.api.idempotency import commit
from edge.api.problems import ApiError
from edge.api.registry import api
from edge.customers import fields as m
from edge.customers import groups as gs
from edge.platform.clock import now_iso

TAGS = ("groups",)


@api.route(
    "/groups",
    "GET",
    scope="pos",
    summary="Customer groups by sort order",
    tags=TAGS,
    response=m.GroupPage,
)
def list_groups() -> dict[str, Any]:
    return gs.list_groups(current_box().db.reader())


@api.route(
    "/groups",
    "POST",
    scope="pos",
    summary="Create a customer group",
    tags=TAGS,
    body=m.GroupCreate,
    response=m.GroupOut,
    status=201,
    errors=(409,),
)
def create_group(body: m.GroupCreate) -> Response:
    values = body.model_dump()

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        return gs.create_group(conn, values, now_iso()), 201

    return commit(txn)


@api.route(
    "/groups/<id>",
    "PATCH",
    scope="manager",
    summary="Change a customer group",
    tags=TAGS,
    body=m.GroupPatch,
    response=m.GroupOut,
    errors=(404, 409),
)
def patch_group(id: str, body: m.GroupPatch) -> Response:
    gid = gs.parse_group_id(id)
    values = body.model_dump(exclude_unset=True)
    for key in ("name", "sort_order"):
        if key in values and values[key] is None:
            raise ApiError(
                422,
                "validation_error",
                f"{key}: may not be null",
                errors=[{"field": key, "message": "may not be null"}],
            )

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        return gs.update_group(conn, gid, values, now_iso()), 200

    return commit(txn)


@api.route(
    "/groups/<id>",
    "DELETE",
    scope="manager",
    summary="Delete an empty customer group (409 while customers belong to it)",
    tags=TAGS,
    errors=(404, 409),
    status=204,
)
def delete_group(id: str) -> Response:
    gid = gs.parse_group_id(id)

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        gs.delete_group(conn, gid)
        return {}, 200

    commit(txn)
    return Response(status=204)
