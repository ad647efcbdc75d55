"""``tilledge mail …``: the SMTP outbox's state, a manager's resend, a test mail."""

from __future__ import annotations

from email.utils import make_msgid

import click

from edge import mail
from edge.cli.group import State, cli, emit, fail, json_option, pass_state
from edge.errors import DomainError
from edge.mail import smtp
from edge.platform.clock import now


@cli.group("mail")
def mail_group() -> None:
    """The SMTP outbox (docs/mail.md)."""


def _line(m: dict[str, object]) -> str:
    return f"{m['id']:>6}  {m['state']:<9}  {m['to']}  {m['subject']}  ({m['last_error'] or ''})"


@mail_group.command()
@json_option
@pass_state
def status(state: State, as_json: bool) -> None:
    """Queued, failed and uncertain mails; lists those staff must look at."""
    configured = mail.mail_configured(state.config)
    with state.open_box() as box:
        reader = box.db.reader()
        summary = mail.outbox_summary(reader)
        attention = mail.in_states(reader, (mail.FAILED, mail.UNCERTAIN))

    def text() -> None:
        if not configured:
            click.echo("mail: not configured ([mail] host); nothing is queued")
        click.echo(
            f"queued {summary['queued']}, failed {summary['failed']}, "
            f"uncertain {summary['uncertain']}"
            + (f", oldest queued {summary['oldest_queued_s']} s" if summary["queued"] else "")
        )
        for m in attention:
            click.echo(_line(m))

    emit(as_json, {"configured": configured, **summary, "attention": attention}, text)


@mail_group.command()
@click.argument("mail_id", metavar="ID", type=int)
@json_option
@pass_state
def resend(state: State, mail_id: int, as_json: bool) -> None:
    """Queue an uncertain or failed mail again (an uncertain one may arrive twice)."""
    with state.open_box() as box:
        try:
            row = box.db.write(lambda conn: mail.resend(conn, mail_id))
        except DomainError as e:
            fail(e.detail or e.code)
    emit(as_json, row, f"mail {mail_id} queued again; the service sends it within seconds")


@mail_group.command("test")
@click.argument("to")
@json_option
@pass_state
def send_test(state: State, to: str, as_json: bool) -> None:
    """Send one test mail to TO now, with the [mail] settings (not through the outbox)."""
    config = state.config
    if not mail.mail_configured(config):
        fail("mail is not configured: set [mail] host and from_address")
    msg = smtp.message(
        config.mail,
        smtp.Mail(
            message_id=make_msgid("tilledge-test"),
            to=to,
            subject=f"TillEdge {config.box.name}: test mail",
            text="This test mail shows that the box can send e-mail.\n",
            date=now(),
        ),
    )
    outcome = smtp.deliver(config.mail, msg, lambda: None)
    emit(
        as_json,
        {"outcome": outcome.kind, "reason": outcome.reason},
        f"{outcome.kind}" + (f": {outcome.reason}" if outcome.reason else ""),
    )
    if outcome.kind != "sent":
        raise SystemExit(1)
