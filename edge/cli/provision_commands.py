"""``tilledge provision``: from an installed package to a serving till.

Asks for (or reads from ``--answers FILE``) the shop, the addresses to serve
and announce on, the certificate, the first admin and the hardware; writes
the config atomically and validated; prepares the database, the admin and
the certificate; restarts the service; prints where terminals reach the box
with its fingerprint and a QR code. Re-running changes only what was asked:
an answers file sets just the keys it names, and a prompt's default is what
the config already says.
"""

from __future__ import annotations

import ipaddress
import os
import pwd
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import segno

from edge.cli.device_commands import device_report
from edge.cli.group import State, cli, emit, fail, file_option, json_option, pass_state
from edge.platform import migrations
from edge.platform.config import DEFAULT_PATH, Config, ConfigError, load_config
from edge.platform.config_file import flatten, read_document, set_keys, write_validated
from edge.platform.config_template import TEMPLATE
from edge.security import pairing, tls, users
from edge.serving.discovery import WILDCARDS
from edge.serving.server import is_loopback, split_listen

#: Sections of an answers file that are config sections, set key by key.
CONFIG_SECTIONS = ("box", "server", "discovery", "devices", "security", "ledger", "customers")
#: Sections that are instructions, not config.
ACTION_SECTIONS = ("admin", "tls", "service")
SERVICE_USER = "tilledge"
DEFAULT_PORT = 8443


class AnswersError(click.ClickException):
    exit_code = 2


def read_answers(path: Path) -> dict[str, Any]:
    try:
        answers = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnswersError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise AnswersError(f"{path}: not valid TOML: {e}") from None
    unknown = sorted(set(answers) - set(CONFIG_SECTIONS) - set(ACTION_SECTIONS))
    if unknown:
        raise AnswersError(
            f"{path}: unknown section(s) {', '.join(unknown)}; expected "
            f"{', '.join(CONFIG_SECTIONS + ACTION_SECTIONS)}"
        )
    return answers


# -- the questions, when there is no answers file ------------------------------------


def _ask_text(label: str, default: str, check: Callable[[str], None] | None = None) -> str:
    while True:
        value = click.prompt(label, default=default, show_default=bool(default), err=True)
        try:
            if check:
                check(value)
            return str(value).strip()
        except ValueError as e:
            click.echo(f"  {e}", err=True)


def _check_listen(value: str) -> None:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("expected ADDRESS:PORT, e.g. 0.0.0.0:8443")
    ipaddress.ip_address(host.strip("[]"))


def _check_addresses(value: str) -> None:
    for part in value.split(","):
        ipaddress.ip_address(part.strip())


def ask(config: Config) -> dict[str, Any]:
    """The interactive questions; each default is the current config."""
    box = config.box
    answers: dict[str, Any] = {"box": {}, "server": {}, "discovery": {}, "devices": {}}
    answers["box"]["name"] = _ask_text("Box name (shown to terminals)", box.name)
    address = _ask_text("Shop address (lines separated by |)", " | ".join(box.address))
    answers["box"]["address"] = [p.strip() for p in address.split("|") if p.strip()]
    answers["box"]["vat_id"] = _ask_text("VAT id (USt-IdNr., empty if none)", box.vat_id)
    answers["box"]["tax_number"] = _ask_text("Tax number (Steuernummer)", box.tax_number)
    answers["box"]["timezone"] = _ask_text("Time zone", box.timezone)
    listen = config.server.listen
    if listen.startswith("127."):
        listen = f"0.0.0.0:{DEFAULT_PORT}"
    answers["server"]["listen"] = _ask_text("Serve on ADDRESS:PORT", listen, _check_listen)
    announce = _ask_text(
        "Announce on these LAN addresses (comma-separated)",
        ", ".join(config.discovery.interfaces),
        _check_addresses,
    )
    answers["discovery"]["interfaces"] = [a.strip() for a in announce.split(",")]
    answers["devices"] = _ask_devices(config)
    name = _ask_text("First admin account (empty: none now)", "")
    if name:
        password = click.prompt(
            f"Password for {name}", hide_input=True, confirmation_prompt=True, err=True
        )
        answers["admin"] = {"name": name, "password": password}
    return answers


def _ask_devices(config: Config) -> dict[str, Any]:
    detected = device_report(config, probe=True)["detected"]
    out: dict[str, Any] = {}
    readers = [r["uri"] for r in detected["usb_readers"]]
    ports = [p["device"] for p in detected["serial_ports"]]
    if readers:
        click.echo(f"NFC readers found: {', '.join(readers)}", err=True)
    current = config.devices.nfc.readers[0].uri if config.devices.nfc.readers else ""
    reader = _ask_text(
        "NFC reader URI (usb, usb:VID:PID, udp:HOST:PORT)", readers[0] if readers else current
    )
    out["nfc"] = {"readers": [{"name": "reader-1", "uri": reader, "terminal": ""}]}
    out["printer"] = {
        "uri": _ask_text(
            "Receipt printer URI (tcp:HOST:9100, usb:VID:PID, /dev/usb/lp0, sim:DIR)",
            config.devices.printer.uri,
        )
    }
    if ports:
        click.echo(f"Serial ports found: {', '.join(ports)}", err=True)
    out["display"] = {
        "uri": _ask_text("Customer display (serial port, or sim:)", config.devices.display.uri)
    }
    return out


# -- doing it --------------------------------------------------------------------------


def _admin(config: Config, spec: dict[str, Any]) -> str:
    name = str(spec.get("name", "")).strip()
    if not name:
        raise AnswersError("[admin] needs name")
    if "password_file" in spec:
        password = Path(spec["password_file"]).read_text(encoding="utf-8").rstrip("\r\n")
    elif "password" in spec:
        password = str(spec["password"])
    else:
        raise AnswersError("[admin] needs password_file (or password)")
    try:
        users.check_password_policy(password)
    except users.UserError as e:
        raise AnswersError(f"[admin] {e}") from None
    from edge.platform.box import Box

    with Box.open(config) as box:
        existing = {u["name"] for u in users.list_users(box.db.reader())}
        if name in existing:
            return f"admin {name!r} exists, unchanged"
        box.db.write(lambda c: users.create_user(c, name, "admin", password))
    return f"admin {name!r} created"


def _certificate(config: Config, spec: dict[str, Any], box_id: str) -> tls.CertInfo:
    if "cert" in spec or "key" in spec:
        cert, key = Path(spec["cert"]), Path(spec["key"])
        dest_cert, dest_key = tls.default_paths(config)
        dest_cert.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cert, dest_cert)
        shutil.copyfile(key, dest_key)
        dest_key.chmod(0o600)
        return tls.load_info(dest_cert, dest_key)
    if spec.get("regenerate"):
        return tls.generate_for(config, box_id)
    return tls.ensure(config, box_id)


def _hand_to_service_user(config: Config, user: str) -> str | None:
    """As root with the package's user present: the data directory is theirs."""
    if os.geteuid() != 0:
        return None
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        return None
    for root, dirs, files in os.walk(config.data_path):
        for name in (root, *(os.path.join(root, n) for n in (*dirs, *files))):
            os.chown(name, pw.pw_uid, pw.pw_gid, follow_symlinks=False)
    return f"{config.data_path} owned by {user}"


def _restart(enabled: bool) -> str:
    if not enabled:
        return "service not restarted (--no-restart)"
    if not Path("/run/systemd/system").exists() or shutil.which("systemctl") is None:
        return "no systemd here: start it with `tilledge serve`"
    res = subprocess.run(
        ["systemctl", "restart", "tilledge.service"], capture_output=True, text=True, check=False
    )
    if res.returncode != 0:
        raise click.ClickException(f"systemctl restart tilledge: {res.stderr.strip()}")
    return "service restarted"


def service_urls(config: Config) -> list[str]:
    host, port = split_listen(config.server.listen)
    tls_on = config.server.tls == "on" or (config.server.tls == "auto" and not is_loopback(host))
    scheme = "https" if tls_on else "http"
    hosts = list(config.discovery.interfaces) if host in WILDCARDS else [host]
    return [f"{scheme}://{h if ':' not in h else f'[{h}]'}:{port}" for h in hosts]


@cli.command("provision")
@file_option(
    "--answers", "answers_path", "TOML answers for a non-interactive run (fleets); see docs/cli.md."
)
@click.option("--no-restart", is_flag=True, help="Write and prepare only; do not restart.")
@json_option
@pass_state
def provision(state: State, answers_path: Path | None, no_restart: bool, as_json: bool) -> None:
    """Set the box up: shop, addresses, certificate, first admin, hardware."""
    path = Path(state.config_path) if state.config_path else DEFAULT_PATH
    doc = read_document(path, TEMPLATE)
    try:
        current = load_config(path) if path.exists() else load_config(environ={})
    except ConfigError as e:
        fail(f"the current config does not load: {e}")
    if answers_path is not None:
        answers = read_answers(answers_path)
    elif sys.stdin.isatty() or os.environ.get("TILLEDGE_PROVISION_PROMPTS") == "1":
        answers = ask(current)
    else:
        fail("no terminal to ask on; give --answers FILE")
    changes = flatten({k: v for k, v in answers.items() if k in CONFIG_SECTIONS})
    try:
        changed = set_keys(doc, changes)
        config = write_validated(path, doc)
    except ConfigError as e:
        fail(f"not written, the config would not load: {e}", 2)
    steps = [f"config {path}: " + (f"set {', '.join(changed)}" if changed else "unchanged")]
    migrations.apply(config.db_path)
    from edge.platform.box import Box

    with Box.open(config) as box:
        box_id = box.box_id
    info = _certificate(config, answers.get("tls", {}), box_id)
    steps.append(f"certificate {info.cert_path}")
    if "admin" in answers:
        steps.append(_admin(config, answers["admin"]))
    service = answers.get("service", {})
    owned = _hand_to_service_user(config, str(service.get("user", SERVICE_USER)))
    if owned:
        steps.append(owned)
    steps.append(_restart(not no_restart and service.get("restart", True)))
    urls = service_urls(config)
    result = {
        "config": str(path),
        "changed": changed,
        "steps": steps,
        "urls": urls,
        "fingerprint": info.fingerprint,
        "pairing_qr": pairing.qr_text(urls[0], info.fingerprint) if urls else None,
    }

    def text() -> None:
        for step in steps:
            click.echo(f"✓ {step}")
        click.echo("")
        for url in urls:
            click.echo(f"Box:          {url}   (panel: {url}/panel)")
        click.echo(f"Fingerprint:  {tls.colons(info.fingerprint)}")
        if urls:
            click.echo("Pairing QR (scan at the till):")
            segno.make(result["pairing_qr"], error="m").terminal(compact=True)
        click.echo("")
        click.echo("Next: `tilledge pair` and enter the code on the till;")
        click.echo("      `tilledge doctor` to check the box; backups: `[backup]` in the")
        click.echo("      config, then `systemctl enable --now tilledge-backup.timer`.")

    emit(as_json, result, text)
