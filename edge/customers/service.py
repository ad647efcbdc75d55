"""Customer service: the functions routes, CLI and other services call.

The full record is read here; the rest lives in modules named for what they
hold and is gathered here for callers: ``lookup`` (ids, rows, shapes),
``numbers``, ``history``, ``duplicates``, ``edit`` (create, update, status),
``money_view`` (what money operations see), ``purge``; merging with money is
``edge.money.merge``. Write functions take the writer's connection (inside
``box.db.write`` or ``idempotency.commit``) and never commit themselves, so
a caller can combine them with its own writes in one transaction. Read
functions take any connection. Imports ``edge.errors``, ``edge.platform``
and its own modules (and the house account's ``edge.invoices.account``);
never ``edge.money`` or the API.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from edge.customers import records as r
from edge.customers.duplicates import find_duplicates
from edge.customers.edit import (
    create_customer,
    set_status,
    touch_last_visit,
    update_customer,
    update_customer_unchecked,
)
from edge.customers.history import history, log_change
from edge.customers.lookup import (
    balances,
    card_out,
    customer_row,
    group_out,
    group_row,
    memo,
    parse_id,
)
from edge.customers.money_view import MoneyCustomer, load_for_money
from edge.customers.numbers import allocate_number, next_number, set_next_number
from edge.customers.purge import purge_without_revenue, without_revenue_ids
from edge.invoices.account import credit_available, open_amount
from edge.platform.clock import today_utc
from edge.platform.config import Config

__all__ = [
    "MoneyCustomer",
    "allocate_number",
    "balances",
    "card_out",
    "create_customer",
    "find_duplicates",
    "get_customer",
    "group_out",
    "history",
    "load_for_money",
    "log_change",
    "next_number",
    "parse_id",
    "purge_without_revenue",
    "set_next_number",
    "set_status",
    "today_utc",
    "touch_last_visit",
    "update_customer",
    "update_customer_unchecked",
    "without_revenue_ids",
]


def _erased_at(conn: sqlite3.Connection, customer_id: int) -> str | None:
    row = conn.execute(
        "SELECT erased_at FROM customer_erasures WHERE customer_id = ?", [customer_id]
    ).fetchone()
    return None if row is None else str(row[0])


def get_customer(
    conn: sqlite3.Connection, customer_id: int, *, config: Config, today: date | None = None
) -> dict[str, Any]:
    """The full record of API.md "Record shapes"."""
    row = customer_row(conn, customer_id)
    group = group_row(conn, row["group_id"])
    cash, bonus, points = balances(conn, customer_id)
    cards = conn.execute(
        "SELECT * FROM cards WHERE customer_id = ? ORDER BY id", [customer_id]
    ).fetchall()
    owed = open_amount(conn, customer_id)
    out: dict[str, Any] = {"id": str(customer_id)}
    for f in r.ROW_FIELDS:
        out[f] = r.from_db(f, row[f])
    out["third_party_memo"] = memo(conn, customer_id)
    out.update(
        display_name=row["display_name"],
        status=row["status"],
        group=group_out(group),
        effective_discount_percent=r.effective_discount(
            row, group["default_discount_percent"] if group else None
        ),
        reverse_charge=r.reverse_charge(row, config.box.country),
        age_alert=r.age_alert(
            row["date_of_birth"], config.customers.age_alert_years, today or today_utc()
        ),
        cash=cash,
        bonus=bonus,
        points=points,
        open_amount=owed,
        credit_available=credit_available(row["credit_limit"], owed),
        currency=config.box.currency,
        cards=[card_out(c) for c in cards],
        merged_into=None if row["merged_into"] is None else str(row["merged_into"]),
        last_visit=row["last_visit"],
        erased_at=_erased_at(conn, customer_id),
        created_at=row["created_at"],
        created_by=row["created_by"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )
    return out
