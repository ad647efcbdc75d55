"""``tilledge invoices …``: the daily dunning run (systemd/tilledge-dunning.timer)."""

from __future__ import annotations

import click

from edge.cli.group import State, cli, emit, json_option, pass_state
from edge.invoices import reminders
from edge.invoices.book import box_date
from edge.invoices.dunning import dunning_run
from edge.platform.actor import Actor
from edge.platform.clock import now_iso


@cli.group()
def invoices() -> None:
    """The house account: invoices and dunning."""


@invoices.command("dunning-run")
@click.option("--dry-run", is_flag=True, help="Only list the reminders; change nothing.")
@json_option
@pass_state
def run_dunning(state: State, dry_run: bool, as_json: bool) -> None:
    """Send today's reminders: each overdue invoice at most one level up.

    Idempotent: a second run on the same day does nothing. Skips customers
    with do_not_dun, invoices with a SEPA collection pending and those paid.
    """
    actor = Actor("cli:dunning", now_iso())
    on = box_date(state.config, actor.at)
    with state.open_box() as box:
        result = box.db.write(
            lambda conn: dunning_run(conn, state.config, actor, on, dry_run=dry_run)
        )
        mailed = 0 if dry_run else reminders.queue_reminders(box.db, state.config)
    result["mailed"] = mailed
    lines = [
        f"{r['number']}: level {r['level']}, owed {r['owed']} by {r['deadline']}"
        for r in result["reminders"]
    ]
    verb = "would send" if dry_run else "sent"
    skipped = ", ".join(f"{k} {v}" for k, v in result["skipped"].items() if v)
    summary = f"{verb} {result['count']} reminder(s)" + (f"; skipped: {skipped}" if skipped else "")
    if mailed:
        summary += f"; {mailed} queued by e-mail (the service sends them)"
    emit(as_json, result, "\n".join([*lines, summary]))
