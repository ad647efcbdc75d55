"""Customer cards: several per customer, NFC UID or printed number.

UIDs are stored normalised (upper-case hex, no separators) and are unique
for the life of the box: a blocked or lost card keeps its row (and so its
UID) so that it can never silently start resolving to someone else.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from edge.customers import records as r
from edge.customers.delivery.store import has_default
from edge.customers.history import log_change
from edge.customers.lookup import balances, card_out, customer_row, group_out, group_row
from edge.customers.normalize import FieldError, normalize_uid
from edge.errors import CardBlocked, Conflict, CustomerInactive, FieldErrors, NotFound
from edge.platform.clock import today_utc
from edge.platform.config import Config


def parse_uid(raw: str, field: str = "uid") -> str:
    try:
        return normalize_uid(raw)
    except FieldError as e:
        raise FieldErrors.one(field, str(e)) from e


def add_card(
    conn: sqlite3.Connection,
    customer_id: int,
    uid: str,
    *,
    deposit_paid: bool,
    actor: str,
    now: str,
) -> dict[str, Any]:
    row = customer_row(conn, customer_id)
    if row["status"] != "active":
        raise CustomerInactive("cards can only be added to active customers")
    existing = conn.execute("SELECT customer_id, status FROM cards WHERE uid = ?", [uid]).fetchone()
    if existing is not None:
        raise Conflict(
            f"card {uid} is already registered ({existing['status']})",
            errors=[{"field": "uid", "message": "already registered"}],
        )
    conn.execute(
        "INSERT INTO cards (uid, customer_id, status, deposit_paid, created_at, created_by)"
        " VALUES (?, ?, 'active', ?, ?, ?)",
        [uid, customer_id, int(deposit_paid), now, actor],
    )
    log_change(conn, customer_id, actor, now, "cards", None, {"uid": uid, "status": "active"})
    card = conn.execute("SELECT * FROM cards WHERE uid = ?", [uid]).fetchone()
    return card_out(card)


def block_card(
    conn: sqlite3.Connection, uid: str, reason: str, *, actor: str, now: str
) -> dict[str, Any]:
    """Mark a card blocked or lost (for good: it never resolves again)."""
    card = conn.execute("SELECT * FROM cards WHERE uid = ?", [uid]).fetchone()
    if card is None:
        raise NotFound(f"no card {uid}")
    if card["status"] != reason:
        conn.execute(
            "UPDATE cards SET status = ?, status_at = ?, status_by = ? WHERE id = ?",
            [reason, now, actor, card["id"]],
        )
        log_change(
            conn,
            card["customer_id"],
            actor,
            now,
            "cards",
            {"uid": uid, "status": card["status"]},
            {"uid": uid, "status": reason},
        )
    return {**card_out(conn.execute("SELECT * FROM cards WHERE id = ?", [card["id"]]).fetchone())}


def active_card(conn: sqlite3.Connection, uid: str) -> sqlite3.Row:
    """The card row for a normalised UID, only while it identifies a customer.

    Unknown card: 404 ``not_found``. Blocked or lost card: 409 ``card_blocked``.
    """
    card = conn.execute("SELECT * FROM cards WHERE uid = ?", [uid]).fetchone()
    if card is None:
        raise NotFound(f"no card {uid}")
    if card["status"] != "active":
        raise CardBlocked(
            f"card {uid} is {card['status']}; it does not identify a customer",
            card_status=card["status"],
        )
    return card  # type: ignore[no-any-return]


def tap(
    conn: sqlite3.Connection, uid: str, *, config: Config, today: date | None = None
) -> dict[str, Any]:
    """What the till shows for a card tap (GET /cards/{uid}, the card.tapped event).

    Unknown card: 404 ``not_found``. Blocked or lost card: 409 ``card_blocked``
    without any customer data (it must not resolve).
    """
    card = active_card(conn, uid)
    row = customer_row(conn, card["customer_id"])
    group = group_row(conn, row["group_id"])
    cash, bonus, points = balances(conn, row["id"])
    delivery = has_default(conn, row["id"])
    return {
        "uid": uid,
        "card": card_out(card),
        "customer": {
            "id": str(row["id"]),
            "customer_number": row["customer_number"],
            "number": row["customer_number"],
            "display_name": row["display_name"],
            "type": row["type"],
            "status": row["status"],
            "cash": cash,
            "bonus": bonus,
            "points": points,
            "currency": config.box.currency,
            "effective_discount_percent": r.effective_discount(
                row, group["default_discount_percent"] if group else None
            ),
            "blocked": bool(row["blocked"]),
            "lock_text": (row["lock_text"] or "blocked") if row["blocked"] else None,
            "age_alert": r.age_alert(
                row["date_of_birth"], config.customers.age_alert_years, today or today_utc()
            ),
            "points_blocked": bool(row["points_blocked"]),
            "group": group_out(group),
            "has_default_delivery_address": delivery is not None,
            "default_delivery_address": delivery,
        },
    }
