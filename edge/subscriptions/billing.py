"""The billing run (BACKOFFICE §10, docs/subscriptions.md "Billing run"):
every due period that has no invoice yet gets one, exactly once.

Each period is its own write transaction: the invoice (numbered, its
e-invoice validated, by :mod:`edge.invoices.book`) and its row in
``subscription_periods`` commit together or not at all. Inside it the
period is looked up again, so a second run — a thread, the CLI beside the
service — that reached it first leaves nothing to do; the UNIQUE
(subscription, period start) of the schema stops anything that slipped
past. A crash loses at most the period being written, which the next run
bills. Catch-up is the same loop: every missed period, each with its own
dates. Imports ``edge.platform``, ``edge.ledger``, ``edge.invoices``,
``edge.sepa.notice`` and the package.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from edge import ledger
from edge.errors import DomainError, FieldErrors
from edge.invoices import book
from edge.platform.actor import Actor
from edge.platform.config import Config
from edge.platform.db import Database
from edge.sepa.notice import notice_for
from edge.subscriptions import schedule
from edge.subscriptions.dates import label
from edge.subscriptions.store import subscription_row

Progress = Callable[[int, int], None]  # (periods done, periods due)


@dataclass(frozen=True)
class Due:
    subscription_id: str
    customer_id: str
    period_start: str
    period_end: str
    amount: int


def due_periods(conn: sqlite3.Connection, until: date) -> list[Due]:
    """Every billable period up to ``until`` without an invoice, in
    subscription and date order."""
    out: list[Due] = []
    rows = conn.execute(
        "SELECT * FROM subscriptions WHERE start_date <= ? ORDER BY id", [until.isoformat()]
    ).fetchall()
    for row in rows:
        sid = row["id"]
        for p in schedule.due(
            row, schedule.pauses_of(conn, sid), schedule.billed_starts(conn, sid), until
        ):
            out.append(
                Due(str(sid), str(row["customer_id"]), p.start.isoformat(), p.end.isoformat(),
                    row["amount"])
            )  # fmt: skip
    return out


def _line(row: sqlite3.Row, period: Due) -> dict[str, Any]:
    """The invoice line: the description with the period, at the agreed
    amount (no customer discount: the price is the subscription's)."""
    net_mode = bool(row["net_mode"])
    line = {"unit_price": row["amount"], "quantity": "1", "vat_rate_bp": row["vat_rate_bp"],
            "discountable": False}  # fmt: skip
    (p,) = ledger.price_basket([line], 0, net_mode=net_mode).lines
    first, last = date.fromisoformat(period.period_start), date.fromisoformat(period.period_end)
    return {
        **line,
        "sku": None,
        "name": f"{row['description']} {label(first, last)}",
        "gross": p.gross,
        "discount_percent": p.discount_percent,
        "discount": p.discount,
        "total": p.total,
    }


def bill_period(
    conn: sqlite3.Connection, config: Config, actor: Actor, period: Due
) -> tuple[int, str] | None:
    """Invoice one period in the caller's transaction: ``(invoice id, number)``,
    or None when it is no longer due (billed by another run, paused, cancelled)."""
    sid = int(period.subscription_id)
    row = subscription_row(conn, sid)
    start = date.fromisoformat(period.period_start)
    still_due = schedule.due(
        row, schedule.pauses_of(conn, sid), schedule.billed_starts(conn, sid), start
    )
    if not any(p.start == start for p in still_due):
        return None
    invoice_id = book.create_draft(
        conn, config, actor, row["customer_id"], (), None,
        priced=[_line(row, period)], net_mode=bool(row["net_mode"]),
    )  # fmt: skip
    conn.execute(
        "UPDATE invoices SET delivery_date = ? WHERE id = ?", [period.period_start, invoice_id]
    )
    notice = None
    if row["sepa"]:  # the invoice is the pre-notification of its debit
        notice = notice_for(conn, config, row["customer_id"], book.box_date(config, actor.at))
    number = book.issue(conn, config, actor, invoice_id, sepa=notice)
    if row["sepa"]:  # picked up by the next SEPA collection file
        conn.execute("UPDATE invoices SET sepa_state = 'due' WHERE id = ?", [invoice_id])
    conn.execute(
        "INSERT INTO subscription_periods (subscription_id, period_start, period_end,"
        " invoice_id, created_at) VALUES (?, ?, ?, ?, ?)",
        [sid, period.period_start, period.period_end, invoice_id, actor.at],
    )
    return invoice_id, number


def bill(
    db: Database,
    config: Config,
    actor: Actor,
    until: date | None = None,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Bill every period due up to ``until`` (default and latest: the actor's
    day in the box's time zone); ``dry_run`` only lists them. A period the
    invoice book refuses (a blocked customer, an e-invoice rule) is listed in
    ``failed`` and billed by a later run once fixed; the others go on."""
    today = book.box_date(config, actor.at)
    until = today if until is None else until
    if until > today:
        raise FieldErrors.one("until", f"must not be after today ({today.isoformat()})")
    periods = due_periods(db.reader(), until)
    billed: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    taken = 0  # due when listed, billed meanwhile by another run
    for i, period in enumerate(periods):
        if dry_run:
            billed.append({**asdict(period), "invoice_id": None, "number": None})
        else:
            try:
                done = db.write(
                    lambda conn, p=period: bill_period(conn, config, actor, p)  # type: ignore[misc]
                )
            except DomainError as e:
                failed.append({**asdict(period), "code": e.code, "detail": e.detail})
                done = None
            else:
                if done is None:
                    taken += 1
                else:
                    billed.append({**asdict(period), "invoice_id": str(done[0]), "number": done[1]})
        if progress is not None:
            progress(i + 1, len(periods))
    return {
        "until": until.isoformat(),
        "dry_run": dry_run,
        "billed": billed,
        "count": len(billed),
        "failed": failed,
        "already_billed": taken,
        "currency": config.box.currency,
    }
