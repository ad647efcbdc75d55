"""Subscriptions written and read (BACKOFFICE §10): create, change, pause,
resume, cancel at the end of the current period. Write functions take the
writer's connection inside its transaction and never commit; every change
goes into the customer's history (field ``subscription``). Imports
``edge.platform``, ``edge.customers``, ``edge.invoices`` and the package.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

from edge.customers.history import log_change
from edge.customers.lookup import customer_row
from edge.errors import Conflict, FieldErrors, NotFound
from edge.invoices.book import box_date
from edge.platform.actor import Actor
from edge.platform.config import Config
from edge.subscriptions import schedule
from edge.subscriptions.dates import period_end, period_index

#: What an update may change; the rest (customer, interval, start, rate) makes a new subscription.
CHANGEABLE = ("description", "amount", "end_date", "sepa", "net_mode")
HORIZON_YEARS = 5  # next_billing looks this far ahead


def subscription_row(conn: sqlite3.Connection, subscription_id: int) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM subscriptions WHERE id = ?", [subscription_id]).fetchone()
    if row is None:
        raise NotFound(f"no subscription {subscription_id}")
    return row  # type: ignore[no-any-return]


def _log(conn: sqlite3.Connection, actor: Actor, row: sqlite3.Row, event: str, **what: Any) -> None:
    log_change(
        conn, row["customer_id"], actor.name, actor.at, "subscription", None,
        {"event": event, "subscription_id": str(row["id"]), **what},
    )  # fmt: skip


def _check_end(start: date, end: date | None) -> None:
    if end is not None and end <= start:
        raise FieldErrors.one("end_date", "must be after start_date")


def create(
    conn: sqlite3.Connection,
    actor: Actor,
    *,
    customer_id: int,
    description: str,
    amount: int,
    vat_rate_bp: int,
    interval: str,
    start_date: date,
    end_date: date | None = None,
    sepa: bool = False,
    net_mode: bool = False,
) -> int:
    customer_row(conn, customer_id, "id")
    _check_end(start_date, end_date)
    cur = conn.execute(
        "INSERT INTO subscriptions (customer_id, description, amount, vat_rate_bp, interval,"
        " start_date, end_date, sepa, net_mode, created_at, created_by, updated_at, updated_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [customer_id, description, amount, vat_rate_bp, interval, start_date.isoformat(),
         end_date.isoformat() if end_date else None, int(sepa), int(net_mode),
         actor.at, actor.name, actor.at, actor.name],
    )  # fmt: skip
    sid = int(cur.lastrowid or 0)
    _log(conn, actor, subscription_row(conn, sid), "created", amount=amount, interval=interval)
    return sid


def update(
    conn: sqlite3.Connection, actor: Actor, subscription_id: int, changes: dict[str, Any]
) -> None:
    """Change what :data:`CHANGEABLE` names; a cancelled subscription is a 409.
    Invoices already issued keep what they said."""
    row = subscription_row(conn, subscription_id)
    if row["status"] == "cancelled":
        raise Conflict(f"subscription {subscription_id} is cancelled")
    changes = {k: v for k, v in changes.items() if k in CHANGEABLE}
    if "end_date" in changes:
        _check_end(date.fromisoformat(row["start_date"]), changes["end_date"])
    stored = {
        k: (v.isoformat() if isinstance(v, date) else int(v) if isinstance(v, bool) else v)
        for k, v in changes.items()
    }
    if not stored:
        return
    sets = ", ".join(f"{k} = ?" for k in stored)
    conn.execute(
        f"UPDATE subscriptions SET {sets}, updated_at = ?, updated_by = ? WHERE id = ?",
        [*stored.values(), actor.at, actor.name, subscription_id],
    )
    _log(conn, actor, row, "changed", **{k: str(v) for k, v in stored.items()})


def _set_status(conn: sqlite3.Connection, actor: Actor, sid: int, status: str, **cols: Any) -> None:
    extra = "".join(f", {k} = ?" for k in cols)
    conn.execute(
        f"UPDATE subscriptions SET status = ?{extra}, updated_at = ?, updated_by = ? WHERE id = ?",
        [status, *cols.values(), actor.at, actor.name, sid],
    )


def _require(row: sqlite3.Row, status: str, verb: str) -> None:
    if row["status"] != status:
        raise Conflict(
            f"only an {status} subscription can be {verb}; this one is {row['status']}",
        )


def pause(conn: sqlite3.Connection, config: Config, actor: Actor, subscription_id: int) -> None:
    """From today on, periods that start are skipped (never billed later)."""
    row = subscription_row(conn, subscription_id)
    _require(row, "active", "paused")
    today = box_date(config, actor.at)
    conn.execute(
        "INSERT INTO subscription_pauses (subscription_id, paused_from, created_at, created_by)"
        " VALUES (?, ?, ?, ?)",
        [subscription_id, today.isoformat(), actor.at, actor.name],
    )
    _set_status(conn, actor, subscription_id, "paused")
    _log(conn, actor, row, "paused", paused_from=today.isoformat())


def resume(conn: sqlite3.Connection, config: Config, actor: Actor, subscription_id: int) -> None:
    """Periods starting from today are billed again."""
    row = subscription_row(conn, subscription_id)
    _require(row, "paused", "resumed")
    today = box_date(config, actor.at).isoformat()
    conn.execute(
        "UPDATE subscription_pauses SET resumed_on = ? WHERE subscription_id = ?"
        " AND resumed_on IS NULL",
        [today, subscription_id],
    )
    _set_status(conn, actor, subscription_id, "active")
    _log(conn, actor, row, "resumed", resumed_on=today)


def cancel(conn: sqlite3.Connection, config: Config, actor: Actor, subscription_id: int) -> None:
    """Cancel at the end of the current period: ``cancel_at`` is its last
    day; no later period is billed. Before the start: nothing is billed."""
    row = subscription_row(conn, subscription_id)
    if row["status"] == "cancelled":
        raise Conflict(f"subscription {subscription_id} is cancelled")
    today = box_date(config, actor.at)
    start = date.fromisoformat(row["start_date"])
    n = period_index(start, row["interval"], today)
    last = start - timedelta(days=1) if n is None else period_end(start, row["interval"], n)
    _set_status(conn, actor, subscription_id, "cancelled", cancel_at=last.isoformat())
    _log(conn, actor, row, "cancelled", cancel_at=last.isoformat())


# ----------------------------------------------------------------- reading --


def subscription_out(
    conn: sqlite3.Connection, config: Config, row: sqlite3.Row, today: date
) -> dict[str, Any]:
    """A subscription as the API and panel show it, with its next billing date."""
    sid = row["id"]
    billed = schedule.billed_starts(conn, sid)
    horizon = today.replace(year=today.year + HORIZON_YEARS, day=min(today.day, 28))
    nxt = schedule.next_billing(row, schedule.pauses_of(conn, sid), billed, horizon)
    return {
        "id": str(sid),
        "customer_id": str(row["customer_id"]),
        "description": row["description"],
        "amount": row["amount"],
        "vat_rate_bp": row["vat_rate_bp"],
        "interval": row["interval"],
        "start_date": row["start_date"],
        "end_date": row["end_date"],
        "sepa": bool(row["sepa"]),
        "net_mode": bool(row["net_mode"]),
        "status": row["status"],
        "cancel_at": row["cancel_at"],
        "next_billing": nxt.isoformat() if nxt else None,
        "periods_billed": len(billed),
        "last_period_start": max(billed).isoformat() if billed else None,
        "currency": config.box.currency,
        "created_at": row["created_at"],
        "created_by": row["created_by"],
        "updated_at": row["updated_at"],
        "updated_by": row["updated_by"],
    }


def get(
    conn: sqlite3.Connection, config: Config, subscription_id: int, today: date
) -> dict[str, Any]:
    return subscription_out(conn, config, subscription_row(conn, subscription_id), today)


def list_subscriptions(
    conn: sqlite3.Connection,
    config: Config,
    today: date,
    *,
    customer_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
    after: int | None = None,
) -> dict[str, Any]:
    """Oldest first, ``limit`` per page from the cursor ``after``."""
    filters = {k: v for k, v in (("customer_id", customer_id), ("status", status)) if v}
    where = ["1 = 1", *(f"{k} = ?" for k in filters)]
    args: list[object] = list(filters.values())
    cond = " AND ".join(where)
    (total,) = conn.execute(f"SELECT count(*) FROM subscriptions WHERE {cond}", args).fetchone()
    rows = conn.execute(
        f"SELECT * FROM subscriptions WHERE {cond} AND id > ? ORDER BY id LIMIT ?",
        [*args, after or 0, limit + 1],
    ).fetchall()
    items = [subscription_out(conn, config, r, today) for r in rows[:limit]]
    return {
        "items": items,
        "total": total,
        "next": items[-1]["id"] if len(rows) > limit else None,
    }
