"""``tilledge sepa …``: collection files, bank confirmation, returns and
mandates (docs/sepa-collections.md). Safe beside the running service: each
step is one write through the database's single-writer lock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from edge.cli.group import State, cli, emit, fail, file_option, json_option, pass_state
from edge.errors import DomainError
from edge.invoices.book import box_date
from edge.platform.actor import Actor
from edge.platform.clock import now_iso
from edge.platform.sealing import write_private
from edge.sepa import collections, mandates
from edge.sepa.model import PreflightFailed

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _actor() -> Actor:
    return Actor("cli:sepa", now_iso())


def _failures(e: PreflightFailed) -> str:
    return "\n".join(
        f"{f.invoice_number or 'creditor'}: {f.field}: {f.message}" for f in e.failures
    )


@cli.group()
def sepa() -> None:
    """SEPA direct debit: collection files and mandates."""


@sepa.command("file")
@click.option("--date", "made_on", type=_DATE, help="The day the file is made (default: today).")
@file_option("--out", "out", "Write the XML to this new file (mode 0600).")
@click.option("--dry-run", is_flag=True, help="Build and check the file; store nothing.")
@json_option
@pass_state
def file_command(
    state: State, made_on: datetime | None, out: Path | None, dry_run: bool, as_json: bool
) -> None:
    """Make the next collection file of every invoice due for direct debit.

    Prints the pre-flight failures and exits 1 when the file is refused;
    nothing is stored then.
    """
    if out is not None and out.exists():
        fail(f"{out} exists; name a new file")
    actor = _actor()
    day = made_on.date() if made_on else box_date(state.config, actor.at)
    with state.open_box() as box:
        try:
            if dry_run:
                xml = collections.dry_run(box.db.reader(), state.config, actor, day)
                result: dict[str, Any] = {"dry_run": True, "size": len(xml)}
            else:
                result = collections.make_file(box.db, state.config, actor, day)
                xml = bytes(collections.file_row(box.db.reader(), int(result["id"]))["xml"])
        except PreflightFailed as e:
            if as_json:
                emit(True, {"failures": [collections.failure_out(f) for f in e.failures]}, "")
            else:
                click.echo(_failures(e), err=True)
            fail(f"the file was refused: {len(e.failures)} pre-flight failure(s)")
        except DomainError as e:
            fail(e.detail)
    if out is not None:
        write_private(out, xml)
    text = (
        f"dry run: the file would hold {len(xml)} bytes; nothing stored"
        if dry_run
        else f"file {result['id']} ({result['message_id']}): {result['count']} debit(s),"
        f" control sum {result['control_sum']}"
    )
    emit(as_json, result, text)


@sepa.command("confirm")
@click.argument("file_id", type=int)
@click.option("--date", "on", type=_DATE, help="The day the bank confirmed (default: today).")
@json_option
@pass_state
def confirm_command(state: State, file_id: int, on: datetime | None, as_json: bool) -> None:
    """The bank collected FILE_ID: book its debits paid (those due by --date)."""
    actor = _actor()
    day = on.date() if on else box_date(state.config, actor.at)
    with state.open_box() as box:
        try:
            result = box.db.write(
                lambda conn: collections.confirm(conn, state.config, actor, file_id, day)
            )
        except DomainError as e:
            fail(e.detail)
    emit(as_json, result, f"file {file_id}: {result['confirmed']} booked paid,"
                          f" {result['pending']} still pending")  # fmt: skip


@sepa.command("return")
@click.argument("collection_id", type=int)
@click.option("--reason", required=True, help="The bank's return reason code, e.g. MD01, AC04.")
@json_option
@pass_state
def return_command(state: State, collection_id: int, reason: str, as_json: bool) -> None:
    """Record a returned debit: the invoice reopens; MD01/MD06 revoke the mandate."""
    actor = _actor()
    with state.open_box() as box:
        try:
            result = box.db.write(
                lambda conn: collections.record_return(
                    conn, state.config, actor, collection_id, reason.upper()
                )
            )
        except DomainError as e:
            fail(e.detail)
    text = f"collection {collection_id} returned ({result['reason']}), fee {result['fee']}"
    if result["mandate_revoked"]:
        text += "; mandate revoked"
    emit(as_json, result, text)


@sepa.command("mandates")
@click.option("--customer", "customer_id", type=int, help="Only this customer's mandates.")
@json_option
@pass_state
def mandates_command(state: State, customer_id: int | None, as_json: bool) -> None:
    """The SEPA mandates with their status (expired: 36 months unused)."""
    day = box_date(state.config, now_iso())
    with state.open_box() as box:
        try:
            rows = mandates.mandates_of(box.db.reader(), day, customer_id)
        except DomainError as e:
            fail(e.detail)
    lines = [
        f"{m['id']}: customer {m['customer_id']} {m['reference']} signed {m['signed_on']}"
        f" {m['status']}" + (" (amended)" if m["amendment"] else "")
        for m in rows
    ]
    emit(as_json, {"items": rows}, "\n".join(lines) or "no mandates")
