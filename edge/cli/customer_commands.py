"""``tilledge customers …``: customer numbers and permanent clean-up."""

from __future__ import annotations

import getpass
import sqlite3
from typing import Any

import click

from edge.cli.group import State, cli, emit, fail, json_option, pass_state
from edge.customers import service
from edge.customers.gdpr import erasure
from edge.customers.gdpr.later_sections import sweep_erased_documents
from edge.customers.lookup import customer_row
from edge.errors import DomainError
from edge.platform.clock import now_iso


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


@customers.command("erase")
@click.argument("customer_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_state
def erase(state: State, customer_id: str, yes: bool, as_json: bool) -> None:
    """Erase a customer's personal data for good (GDPR Art. 17).

    CUSTOMER_ID is the record's id (as in the API). Refused, with every reason
    and exit code 1, while the customer has credit, points, unsettled
    invoices, a running subscription or a SEPA mandate in use. Otherwise the
    personal fields are blanked, the name becomes a pseudonym, the cards are
    released; the journal and issued invoices stay. A second run answers the
    first's result.
    """
    with state.open_box() as box:
        try:
            cid = service.parse_id(customer_id)
            conn = box.db.reader()
            row = customer_row(conn, cid, "customer_number, display_name")
            done = erasure.erased(conn, cid)
            reasons = [] if done else erasure.refusals(conn, cid)
        except DomainError as e:
            fail(e.detail)
        if reasons:
            for x in reasons:
                click.echo(f"  - {x['detail']}", err=True)
            fail(
                f"customer {row['customer_number']} cannot be erased yet ({len(reasons)} reason(s))"
            )
        if (
            done is None
            and not yes
            and not click.confirm(
                f"Erase customer {row['customer_number']} ({row['display_name']}) for good?",
                err=True,
            )
        ):
            fail("nothing erased")
        actor = f"cli:{getpass.getuser()}"

        def txn(conn: sqlite3.Connection) -> dict[str, Any]:
            return erasure.erase_customer(conn, cid, actor=actor, now=now_iso(), config=box.config)

        try:
            answer = done or box.db.write(txn)
        except DomainError as e:  # refused in between
            fail(e.detail)
        sweep_erased_documents(box.db, cid)  # the bytes go once the erasure is durable
    emit(
        as_json,
        answer,
        f"customer {answer['customer_number']} erased as {answer['pseudonym']}"
        f" ({answer['erased_at']}); journal and invoices kept until {answer['retain_until']}",
    )
