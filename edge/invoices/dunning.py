"""The dunning run (BACKOFFICE §9): reminders 1, 2, 3 with their fees and
interest, once a day, idempotent.

Rules as the box keeps them (docs/invoices.md "Dunning"):

- Level 1 is due ``level1_days`` after the due date, level 2
  ``level2_days`` after the level-1 reminder, level 3 ``level3_days`` after
  level 2 — on that day or any later run. A run raises an invoice by at most
  one level, and never twice on one day (``dunned_on``): a second run the
  same day does nothing.
- Reaching a level charges its fee once (a level is reached once). With
  ``business_flat_fee``, a business customer's first reminder adds 4000
  (§288(5) BGB).
- Interest (``interest_bp_per_year``) is charged when a level is reached,
  on the open principal for the days since it was last charged (first:
  since the due date): ``round_half_up(principal * bp * days / (10000 *
  365))``, so no day is charged twice.
- Skipped: customers with ``do_not_dun``, invoices the bank collects (SEPA:
  ``due`` for the next file or ``pending`` in one), invoices owing nothing
  (paid meanwhile), invoices at level 3
  (the owner acts, "Mahnstufe 3").
- Each reminder is a row of ``dunning_notices``: the invoice, what is owed
  (principal, fees, interest) and the new deadline (the run's day + the
  next level's days; level 3: + ``level3_days``).

Imports ``edge.platform`` and the invoices package.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from edge.invoices.book import log_invoice
from edge.invoices.figures import round_half_up
from edge.platform.actor import Actor
from edge.platform.config import Config, DunningConfig

BUSINESS_FLAT_FEE = 4000  # §288(5) BGB: 40 EUR
SKIPS = ("do_not_dun", "sepa_pending", "level_3", "dunned_today", "not_yet")


def interest(principal: int, bp_per_year: int, days: int) -> int:
    """Default interest on ``principal`` for ``days`` at ``bp_per_year``."""
    if principal <= 0 or bp_per_year <= 0 or days <= 0:
        return 0
    return round_half_up(principal * bp_per_year * days, 10000 * 365)


def _days_to(level: int, cfg: DunningConfig) -> int:
    """Days from the previous step (due date, reminder) to ``level``."""
    return (cfg.level1_days, cfg.level2_days, cfg.level3_days)[level - 1]


def _fee(level: int, cfg: DunningConfig) -> int:
    return (cfg.level1_fee, cfg.level2_fee, cfg.level3_fee)[level - 1]


@dataclass(frozen=True)
class Reminder:
    invoice_id: str
    number: str
    customer_id: str
    level: int
    fee_charged: int
    interest_charged: int
    principal: int  # open principal
    fees: int  # open fees, this level's included
    interest: int  # open interest, this charge included
    owed: int
    deadline: str


def _reminder(row: sqlite3.Row, on: date, cfg: DunningConfig) -> Reminder | str:
    """The reminder ``row`` gets today, or why it gets none."""
    if row["do_not_dun"]:
        return "do_not_dun"
    if row["sepa_state"] in ("due", "pending"):  # the bank collects it
        return "sepa_pending"
    level = row["dunning_level"] + 1
    if level > 3:
        return "level_3"
    if row["dunned_on"] == on.isoformat():
        return "dunned_today"
    since = date.fromisoformat(row["dunned_on"] or row["due_date"])
    if on < since + timedelta(days=_days_to(level, cfg)):
        return "not_yet"
    fee = _fee(level, cfg)
    if level == 1 and cfg.business_flat_fee and row["customer_type"] == "business":
        fee += BUSINESS_FLAT_FEE
    principal = row["principal"] - row["principal_paid"]
    charged_to = date.fromisoformat(row["interest_until"] or row["due_date"])
    charge = interest(principal, cfg.interest_bp_per_year, (on - charged_to).days)
    fees = row["fees"] - row["fees_paid"] + fee
    owed_interest = row["interest"] - row["interest_paid"] + charge
    deadline = on + timedelta(days=_days_to(min(level + 1, 3), cfg))
    return Reminder(
        str(row["id"]), row["number"], str(row["customer_id"]), level, fee, charge,
        principal, fees, owed_interest, principal + fees + owed_interest, deadline.isoformat(),
    )  # fmt: skip


def dunning_run(
    conn: sqlite3.Connection, config: Config, actor: Actor, on: date, *, dry_run: bool = False
) -> dict[str, Any]:
    """Raise every overdue invoice by at most one level (``dry_run``: only
    say what would happen). In the caller's one write transaction."""
    cfg = config.dunning
    rows = conn.execute(
        "SELECT i.*, c.do_not_dun, c.type AS customer_type FROM invoices i"
        " JOIN customers c ON c.id = i.customer_id"
        " WHERE i.state IN ('open', 'partly_paid') AND i.kind = 'invoice' AND i.due_date < ?"
        " AND (i.principal - i.principal_paid + i.fees - i.fees_paid"
        "      + i.interest - i.interest_paid) > 0"
        " ORDER BY i.id",
        [on.isoformat()],
    ).fetchall()
    skipped = dict.fromkeys(SKIPS, 0)
    reminders: list[Reminder] = []
    for row in rows:
        outcome = _reminder(row, on, cfg)
        if isinstance(outcome, str):
            skipped[outcome] += 1
            continue
        reminders.append(outcome)
        if not dry_run:
            _write(conn, actor, on, outcome)
    return {
        "date": on.isoformat(),
        "dry_run": dry_run,
        "reminders": [asdict(r) for r in reminders],
        "count": len(reminders),
        "skipped": skipped,
        "currency": config.box.currency,
    }


def _write(conn: sqlite3.Connection, actor: Actor, on: date, r: Reminder) -> None:
    day = on.isoformat()
    conn.execute(
        "UPDATE invoices SET dunning_level = ?, dunned_on = ?, fees = fees + ?,"
        " interest = interest + ?, interest_until = ?, updated_at = ?, updated_by = ?"
        " WHERE id = ?",
        [r.level, day, r.fee_charged, r.interest_charged, day, actor.at, actor.name,
         int(r.invoice_id)],
    )  # fmt: skip
    conn.execute(
        "INSERT INTO dunning_notices (invoice_id, level, run_date, principal, fees, interest,"
        " fee_charged, interest_charged, deadline, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [int(r.invoice_id), r.level, day, r.principal, r.fees, r.interest, r.fee_charged,
         r.interest_charged, r.deadline, actor.at, actor.name],
    )  # fmt: skip
    log_invoice(
        conn, actor, int(r.customer_id), "reminder", invoice_id=r.invoice_id, number=r.number,
        level=r.level, fee=r.fee_charged, interest=r.interest_charged, deadline=r.deadline,
    )  # fmt: skip
