"""The customer as the money operations see it: who, whether they may pay,
and which discount and tax mode apply."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..api.problems import ApiError
from ..customers.normalize import normalize_uid


@dataclass(frozen=True)
class Payer:
    id: int
    number: int
    display_name: str
    type: str
    status: str
    blocked: bool
    lock_text: str | None
    discount_percent: int | None
    group_discount_percent: int | None
    points_blocked: bool
    net_mode: bool
    vat_id: str | None

    def reverse_charge(self, box_country: str) -> bool:
        """Net mode: set by hand, or a business with an EU VAT ID of another member state."""
        if self.net_mode:
            return True
        if self.type != "business" or not self.vat_id:
            return False
        prefix = self.vat_id[:2].upper()
        home = "EL" if box_country == "GR" else box_country
        return prefix.isalpha() and prefix != home


_SELECT = (
    "SELECT c.id, c.customer_number, c.display_name, c.type, c.status, c.blocked, c.lock_text,"
    " c.discount_percent, g.default_discount_percent, c.points_blocked, c.net_mode, c.vat_id"
    " FROM customers c LEFT JOIN customer_groups g ON g.id = c.group_id"
)


def _payer(row: sqlite3.Row | None) -> Payer | None:
    if row is None:
        return None
    return Payer(
        id=row[0],
        number=row[1],
        display_name=row[2],
        type=row[3],
        status=row[4],
        blocked=bool(row[5]),
        lock_text=row[6],
        discount_percent=row[7],
        group_discount_percent=row[8],
        points_blocked=bool(row[9]),
        net_mode=bool(row[10]),
        vat_id=row[11],
    )


def parse_id(customer_id: str, field: str = "customer_id") -> int:
    try:
        value = int(customer_id)
    except (TypeError, ValueError):
        value = 0
    if value <= 0:
        raise ApiError(
            404,
            "not_found",
            f"no customer {customer_id!r}",
            errors=[{"field": field, "message": "unknown customer"}],
        )
    return value


def load(conn: sqlite3.Connection, customer_id: int) -> Payer:
    payer = _payer(conn.execute(_SELECT + " WHERE c.id = ?", [customer_id]).fetchone())
    if payer is None:
        raise ApiError(404, "not_found", f"no customer {customer_id}")
    return payer


def by_card(conn: sqlite3.Connection, uid: str) -> Payer:
    norm = normalize_uid(uid)
    row = conn.execute("SELECT customer_id, status FROM cards WHERE uid = ?", [norm]).fetchone()
    if row is None:
        raise ApiError(
            404,
            "not_found",
            f"no card {norm}",
            errors=[{"field": "card_uid", "message": "unknown card"}],
        )
    if row[1] != "active":
        raise ApiError(409, "card_blocked", f"card {norm} is {row[1]}", card_status=row[1])
    return load(conn, int(row[0]))


def may_move_money(payer: Payer) -> None:
    """Blocked and inactive customers: every money operation is refused."""
    if payer.blocked:
        raise ApiError(
            409,
            "customer_blocked",
            f"customer {payer.number} is blocked"
            + (f": {payer.lock_text}" if payer.lock_text else ""),
            lock_text=payer.lock_text or "",
        )
    if payer.status != "active":
        raise ApiError(409, "customer_inactive", f"customer {payer.number} is inactive")
