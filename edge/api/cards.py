"""Card routes: register a card, the tap lookup, block or report lost."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Response

from edge.api import examples as ex
from edge.api.auth import current_actor
from edge.api.context import current_box
from edge.api.idempotency import commit
from edge.api.registry import api
from edge.customers import cards as c
from edge.customers import fields as m
from edge.customers import service
from edge.platform.clock import now_iso

routes = api.section("cards")


@routes.post(
    "/customers/<id>/cards",
    body=m.CardCreate,
    response=m.CardOut,
    status=201,
    errors=("not_found", "conflict", "customer_inactive"),
    example=ex.CARD,
)
def add_card(id: str, body: m.CardCreate) -> Response:
    """Register a card (NFC UID or printed number) for a customer

    The UID is stored upper-case hex without separators. A UID ever registered
    is `conflict` (a blocked or lost card is never registered again).
    """
    cid = service.parse_id(id)
    uid = c.parse_uid(body.uid)
    actor = current_actor()

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        card = c.add_card(
            conn, cid, uid, deposit_paid=body.deposit_paid, actor=actor, now=now_iso()
        )
        return card, 201

    return commit(txn)


@routes.get(
    "/cards/<uid>",
    response=m.TapResult,
    errors=("not_found", "card_blocked", "validation_error"),
    example=ex.TAP,
)
def tap_card(uid: str) -> dict[str, Any]:
    """Card tap: customer summary, balances, effective discount, lock text, age alert
    (blocked/lost cards: 409 card_blocked)

    The same customer summary as a `card.tapped` event. An unknown card is
    `not_found`, a blocked or lost one `card_blocked` (with `card_status`,
    without customer data), a malformed UID `validation_error`.
    """
    box = current_box()
    return c.tap(box.db.reader(), c.parse_uid(uid), config=box.config)


@routes.post(
    "/cards/<uid>/block",
    body=m.CardBlock,
    response=m.CardOut,
    errors=("not_found",),
    example={**ex.CARD, "status": "lost"},
)
def block_card(uid: str, body: m.CardBlock) -> Response:
    """Block a card or report it lost; it never resolves to a customer again

    `reason` is `blocked` or `lost`; the answer is the card with its new status.
    """
    norm = c.parse_uid(uid)
    actor = current_actor()

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        return c.block_card(conn, norm, body.reason, actor=actor, now=now_iso()), 200

    return commit(txn)
