"""``tilledge doctor``: the checks of :mod:`edge.doctor` plus those only the
CLI can make (the service's health URL, the mDNS announcement, the devices as
the service reports them or as probed), printed with their fixes."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from edge.cli.device_commands import device_report, service_health
from edge.cli.group import State, cli, emit, json_option, pass_state
from edge.doctor import Check, Finding, examine
from edge.doctor.checks import device_findings, meta, verdict
from edge.platform.config import Config


def service(config: Config, now: datetime) -> list[Finding]:
    """The service answers its health URL, and terminals can find it (mDNS)."""
    running = service_health(config, timeout=2.0)
    if running is None:
        return [
            Finding(
                "service",
                "warn",
                f"not answering on {config.server.listen}",
                "start it: `systemctl start tilledge` (journalctl -u tilledge says why not)",
            )
        ]
    return [Finding("service", "ok", f"answering at {running['url']}"), *mdns(config, now)]


def mdns(config: Config, now: datetime) -> list[Finding]:
    """The box's own announcement is seen on its interfaces (a 2 s browse)."""
    from edge.serving import discovery

    if not config.discovery.enabled:
        return []
    box_id = meta(config.db_path, "box_id")
    seen = discovery.browse(2.0, interfaces=list(config.discovery.interfaces))
    return [
        verdict(
            "mdns",
            any(b["host"] == f"tilledge-{box_id}.local." for b in seen),
            f"announced on {', '.join(config.discovery.interfaces)}",
            ("warn", "terminals cannot see the announcement"),
            "check discovery.interfaces and that the LAN passes multicast (UDP 5353)",
        )
    ]


def devices(config: Config, now: datetime) -> list[Finding]:
    return device_findings(device_report(config)["summary"])


#: What the command adds to the domain's checks, in this order.
CLI_CHECKS: tuple[Check, ...] = (service, devices)

MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}


@cli.command("doctor")
@json_option
@pass_state
def doctor_command(state: State, as_json: bool) -> None:
    """Check the box as a whole: config, files, disk, clock, database, ledger,
    TLS, devices, backups. Exit 0 all ok, 1 warnings, 2 failures."""
    report = examine(state.config_path, extra=CLI_CHECKS)

    def text() -> None:
        for f in report.findings:
            click.echo(f"{MARK[f.status]}  {f.check:14} {f.detail}")
            if f.fix:
                click.echo(f"{'':20}→ {f.fix}")
        click.echo(f"doctor: {report.status}")

    emit(as_json, report.as_dict(), text)
    sys.exit(report.exit_code)
