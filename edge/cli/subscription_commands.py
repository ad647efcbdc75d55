"""``tilledge subscriptions …``: the billing run (systemd/tilledge-billing.timer).

Safe beside the running service: each period is its own write through the
database's single-writer lock, and a period another run billed first is
left alone (docs/subscriptions.md)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click

from edge.cli.group import State, cli, emit, fail, json_option, pass_state
from edge.errors import DomainError
from edge.platform.actor import Actor
from edge.platform.clock import now_iso
from edge.subscriptions.billing import bill


@cli.group()
def subscriptions() -> None:
    """Subscriptions: recurring invoices."""


def _summary(result: dict[str, Any]) -> str:
    verb = "would bill" if result["dry_run"] else "billed"
    lines = [
        f"{b['number'] or '(dry run)'}: subscription {b['subscription_id']},"
        f" {b['period_start']}–{b['period_end']}, {b['amount']}"
        for b in result["billed"]
    ]
    lines += [
        f"refused: subscription {f['subscription_id']}, {f['period_start']}: {f['code']}"
        f" ({f['detail']})"
        for f in result["failed"]
    ]
    summary = f"{verb} {result['count']} period(s) up to {result['until']}"
    if result["failed"]:
        summary += f"; {len(result['failed'])} refused (billed by a later run once fixed)"
    if result["already_billed"]:
        summary += f"; {result['already_billed']} billed meanwhile by another run"
    return "\n".join([*lines, summary])


@subscriptions.command("bill")
@click.option("--dry-run", is_flag=True, help="Only list the periods due; change nothing.")
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Bill periods starting up to this day (YYYY-MM-DD; default and latest: today).",
)
@json_option
@pass_state
def bill_command(state: State, dry_run: bool, until: datetime | None, as_json: bool) -> None:
    """Invoice every due subscription period that has no invoice yet.

    Each period exactly once, in its own transaction: catches up every
    period missed while the box was off, and a concurrent run (the timer,
    the API) bills nothing twice.
    """
    actor = Actor("cli:billing", now_iso())
    with (
        state.open_box() as box,
        click.progressbar(length=0, label="Billing", file=sys.stderr) as bar,
    ):

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        try:
            result = bill(
                box.db, state.config, actor, until.date() if until else None,
                dry_run=dry_run, progress=progress,
            )  # fmt: skip
        except DomainError as e:
            fail(e.detail)
    emit(as_json, result, _summary(result))
