"""``tilledge customers …``: customer numbers and permanent clean-up."""

from __future__ import annotations

import sqlite3

import click

from edge.cli.group import State, cli, emit, fail, json_option, pass_state
from edge.customers import service
from edge.errors import DomainError


@cli.group()
def customers() -> None:
    """Customer base maintenance."""


@customers.command("next-number")
@click.argument("number", type=click.IntRange(1, 10**12), required=False)
@json_option
@pass_state
def next_number(state: State, number: int | None, as_json: bool) -> None:
    """Show the next automatic customer number, or set it to NUMBER.

    The config key customers.next_number is a floor: the counter never hands
    out a number below it. Numbers already taken are skipped.
    """
    floor = state.config.customers.next_number
    with state.open_box() as box:
        if number is not None:
            if number < floor:
                fail(f"{number} is below customers.next_number = {floor} in the config")
            box.db.write(lambda conn: service.set_next_number(conn, number))
        current = service.next_number(box.db.reader(), floor)
    emit(
        as_json,
        {"next_number": current, "config_floor": floor},
        f"next customer number: {current}" + (" (set)" if number is not None else ""),
    )


@customers.command("purge-without-revenue")
@click.option("--dry-run", is_flag=True, help="Only count; delete nothing.")
@click.option("--only-inactive", is_flag=True, help="Only deactivated customers.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_state
def purge_without_revenue(
    state: State, dry_run: bool, only_inactive: bool, yes: bool, as_json: bool
) -> None:
    """Permanently delete customers without journal entries, purchases or balance.

    Counts first; deletes only after confirmation (or --yes), and only if the
    count is unchanged when the deletion runs.
    """
    with state.open_box() as box:
        count = service.purge_without_revenue(
            box.db.reader(), dry_run=True, expected_count=None, only_inactive=only_inactive
        )["count"]
        if dry_run or count == 0:
            emit(
                as_json,
                {"dry_run": True, "count": count, "deleted": 0},
                f"{count} customer(s) without revenue" + (" would be deleted" if count else ""),
            )
            return
        if not yes and not click.confirm(
            f"Permanently delete {count} customer(s) without revenue?", err=True
        ):
            fail("nothing deleted")

        def txn(conn: sqlite3.Connection) -> dict[str, object]:
            return service.purge_without_revenue(
                conn, dry_run=False, expected_count=count, only_inactive=only_inactive
            )

        try:
            result = box.db.write(txn)
        except DomainError as e:
            fail(e.detail)
    emit(as_json, result, f"deleted {result['deleted']} customer(s) without revenue")
