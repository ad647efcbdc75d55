"""``tilledge terminal|pair|user|tls|discover``: tokens, pairing codes, staff
accounts, the TLS certificate and discovery of boxes on the network."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from edge.cli.group import State, cli, emit, fail, json_option, list_command, pass_state
from edge.security import pairing, terminals, tls, users
from edge.security.tokens import issue_token, parse_scopes

T = TypeVar("T")


def _scopes(text: str) -> list[str]:
    try:
        return parse_scopes(text)
    except ValueError as e:
        fail(str(e))


# -- terminals ---------------------------------------------------------------


@cli.group()
def terminal() -> None:
    """POS terminals and their API tokens."""


@terminal.command("add")
@click.argument("name")
@click.option("--scope", "scope", default="pos", show_default=True, help="pos[,manager,…]")
@json_option
@pass_state
def terminal_add(state: State, name: str, scope: str, as_json: bool) -> None:
    """Issue a token for terminal NAME (shown once, stored hashed)."""
    scopes = _scopes(scope)
    with state.open_box() as box:
        info = box.db.write(lambda c: issue_token(c, name, scopes))
    emit(
        as_json,
        info,
        f"terminal {info['id']} {info['name']!r} (scopes: {', '.join(scopes)})\n"
        f"token: {info['token']}\n(shown once; store it in the terminal now)",
    )


def _terminal_line(r: dict[str, Any]) -> str:
    state = f"revoked {r['revoked_at']}" if r["revoked_at"] else "active"
    return f"{r['id']:>4}  {r['name']:<24} {','.join(r['scopes']):<28} {state}"


list_command(
    terminal,
    terminals.list_terminals,
    _terminal_line,
    "List terminals (tokens are never shown again).",
)


@terminal.command("revoke")
@click.argument("terminal_id")
@json_option
@pass_state
def terminal_revoke(state: State, terminal_id: str, as_json: bool) -> None:
    """Revoke terminal ID's token; it is refused from the next request on."""
    with state.open_box() as box:
        ok = box.db.write(lambda c: terminals.revoke(c, terminal_id))
    if not ok:
        fail(f"no active terminal with id {terminal_id}")
    emit(as_json, {"id": terminal_id, "revoked": True}, f"terminal {terminal_id} revoked")


@cli.command("pair")
@click.option("--scope", "scope", default="pos", show_default=True, help="pos[,manager,…]")
@click.option("--name", default=None, help="Terminal name (default: what the terminal sends).")
@click.option(
    "--minutes",
    type=click.IntRange(1, 60),
    default=None,
    help="Validity (default: security.pairing_code_minutes).",
)
@json_option
@pass_state
def pair(state: State, scope: str, name: str | None, minutes: int | None, as_json: bool) -> None:
    """Issue a single-use pairing code a terminal exchanges at POST /api/v1/pair."""
    scopes = _scopes(scope)
    minutes = minutes or state.config.security.pairing_code_minutes
    with state.open_box() as box:
        info = box.db.write(lambda c: pairing.issue(c, scopes=scopes, minutes=minutes, name=name))
    emit(
        as_json,
        info,
        f"pairing code: {info['code']}  (scopes: {', '.join(scopes)}; "
        f"valid until {info['expires_at']}, single use)",
    )


# -- staff accounts --------------------------------------------------------------


@cli.group()
def user() -> None:
    """Staff accounts for the web panel."""


def _change_users(state: State, change: Callable[[sqlite3.Connection], T]) -> T:
    """One write to the staff accounts; a refusal ends the command with its reason."""
    try:
        with state.open_box() as box:
            return box.db.write(change)
    except users.UserError as e:
        fail(str(e))


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(users.ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@json_option
@pass_state
def user_add(state: State, name: str, role: str, password_stdin: bool, as_json: bool) -> None:
    """Create a staff account; the password is prompted (there is no default)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    try:
        users.check_password_policy(password)
    except users.UserError as e:
        fail(str(e))
    info = _change_users(state, lambda c: users.create_user(c, name, role, password))
    emit(as_json, info, f"user {info['name']!r} created (role {role})")


def _user_line(r: dict[str, Any]) -> str:
    flags = [f for f, on in (("totp", r["totp"]), ("disabled", r["disabled"])) if on]
    return f"{r['name']:<24} {r['role']:<8} {' '.join(flags)}"


list_command(user, users.list_users, _user_line, "List staff accounts.")


@user.command("totp")
@click.argument("name")
@json_option
@pass_state
def user_totp(state: State, name: str, as_json: bool) -> None:
    """Enable (or replace) TOTP two-factor login for NAME; prints the secret once."""
    info = _change_users(state, lambda c: users.enable_totp(c, name))
    emit(
        as_json,
        info,
        f"TOTP enabled for {name!r}\nsecret: {info['secret']}\nuri:    {info['uri']}",
    )


@user.command("unlock")
@click.argument("name")
@json_option
@pass_state
def user_unlock(state: State, name: str, as_json: bool) -> None:
    """Lift a login lockout for NAME."""
    _change_users(state, lambda c: users.unlock(c, name))
    emit(as_json, {"name": name, "unlocked": True}, f"{name!r} unlocked")


# -- TLS -------------------------------------------------------------------------


@cli.group("tls")
def tls_group() -> None:
    """The box's TLS certificate (terminals pin its fingerprint)."""


@tls_group.command("show")
@json_option
@pass_state
def tls_show(state: State, as_json: bool) -> None:
    """Show the certificate's SHA-256 fingerprint and validity."""
    info = tls.current(state.config)
    if info is None:
        fail("no certificate yet; run `tilledge tls generate`")
    emit(as_json, info.to_dict(), _tls_text(info))


@tls_group.command("generate")
@click.option("--force", is_flag=True, help="Replace an existing certificate (re-pair terminals).")
@json_option
@pass_state
def tls_generate(state: State, force: bool, as_json: bool) -> None:
    """Generate the self-signed certificate (done at provisioning)."""
    if tls.current(state.config) is not None and not force:
        fail("a certificate exists; --force replaces it and every terminal must re-pin")
    with state.open_box() as box:
        box_id = box.box_id
    info = tls.generate_for(state.config, box_id)
    emit(as_json, info.to_dict(), _tls_text(info))


def _tls_text(info: tls.CertInfo) -> str:
    return (
        f"certificate: {info.cert_path}\n"
        f"SHA-256:     {tls.colons(info.fingerprint)}\n"
        f"valid until: {info.not_after}\n"
        f"names:       {', '.join(info.names)}"
    )


# -- discovery -------------------------------------------------------------------


@cli.command("discover")
@click.option("--timeout", type=click.FloatRange(0.2, 60), default=3.0, show_default=True)
@json_option
@pass_state
def discover(state: State, timeout: float, as_json: bool) -> None:
    """List TillEdge boxes announced on the configured discovery interfaces."""
    from edge.serving import discovery

    boxes = discovery.browse(timeout, interfaces=list(state.config.discovery.interfaces))

    def text() -> None:
        if not boxes:
            click.echo("no boxes found")
        for b in boxes:
            props = b["properties"]
            click.echo(
                f"{props.get('name', '?')}  {','.join(b['addresses'])}:{b['port']}  "
                f"id={props.get('box_id', '?')}  sha256={props.get('tls_sha256', '-')}"
            )

    emit(as_json, boxes, text)
