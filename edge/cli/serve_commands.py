"""``tilledge serve`` and ``tilledge demo``."""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime
from pathlib import Path

import click

from edge import mail
from edge.cli import doctor
from edge.cli.group import State, cli, emit, fail, json_option, pass_state
from edge.customers.delivery import worker as geocoding
from edge.demo import box as demo
from edge.doctor import Check, Finding
from edge.doctor import background as doctor_checks
from edge.doctor.checks import device_findings
from edge.platform.box import Box
from edge.platform.config import Config
from edge.security import tls
from edge.sepa import expiry as sepa_expiry
from edge.serving import boot, discovery, primary_writes, watchdog, workers
from edge.serving.app import create_app
from edge.serving.server import Server, is_loopback, sd_notify, split_listen


def _service_checks(box: Box) -> tuple[Check, ...]:
    """What the running service adds to the domain checks: its own devices
    (no probe: it holds them) and whether terminals see its announcement."""

    def devices(config: Config, now: datetime) -> list[Finding]:
        manager = box.services.get("devices")
        return device_findings(manager.summary()) if manager is not None else []

    return (devices, doctor.mdns)


@cli.command()
@click.option("--listen", help="HOST:PORT to listen on (default: server.listen from the config).")
@click.option(
    "--tls",
    "tls_mode",
    type=click.Choice(["auto", "on", "off"]),
    default=None,
    help="auto: HTTPS off loopback, HTTP on loopback (default: server.tls).",
)
@pass_state
def serve(state: State, listen: str | None, tls_mode: str | None) -> None:
    """Run the service (HTTP is allowed only on loopback)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    config = state.config
    listen = listen or config.server.listen
    try:
        host, port = split_listen(listen)
    except ValueError:
        fail(f"--listen {listen!r}: expected HOST:PORT")
    mode = tls_mode or config.server.tls
    use_tls = mode == "on" or (mode == "auto" and not is_loopback(host))
    if not use_tls and not is_loopback(host):
        fail(
            f"refusing plain HTTP on {host}: only loopback may be served without TLS "
            "(use --tls on/auto, or listen on 127.0.0.1)"
        )
    if use_tls and mode == "auto" and tls.current(config) is None:
        # auto off loopback: serve only a provisioned certificate, so a plain
        # development start never opens a LAN port by surprise.
        fail(
            f"refusing plain HTTP on {host}: only loopback may be served without TLS, "
            "and no certificate is provisioned (run `tilledge tls generate`, "
            "use --tls on, or listen on 127.0.0.1)"
        )
    state.serving(on_fault=lambda line: sd_notify(f"STATUS=tilledge: {line}"))
    box = state.open_box()  # storage checked first: a fault exits before listening
    cert = None
    cert_files: tuple[Path, Path] | None = None
    fingerprint = None
    if use_tls:
        try:
            cert = tls.ensure(config, box.box_id)  # generated on first start
            key = tls.pkcs8_key(cert, config.data_path)  # granian reads PKCS#8 only
        except (OSError, ValueError) as e:
            box.close()
            fail(f"TLS certificate: {e}")
        fingerprint = cert.fingerprint
        cert_files = (cert.cert_path, key)
        box.services["tls_fingerprint"] = fingerprint
    app = create_app(box=box)
    # With API workers, granian's worker processes serve the port and this
    # process (the primary) answers what they relay on its Unix socket
    # (edge/serving/workers.py); else it serves the port itself.
    sock = workers.socket_path(config.data_path) if config.server.workers > 1 else None
    if sock and port == 0:
        box.close()
        fail("server.workers > 1 needs a fixed port (--listen HOST:PORT, not :0)")
    server = Server(
        app,
        host,
        port,
        threads=config.server.threads,
        active_requests=0 if sock else config.server.active_requests,
        cert=None if sock else cert_files,
        unix_socket=str(sock) if sock else None,
        outer=workers.FromWorkers if sock else None,
        header_timeout=config.server.header_timeout,
        streams_per_token=config.server.streams_per_token,
        streams_total=config.server.streams_total,
    )
    server.on_stop.append(box.services["events"].close)
    try:
        server.prepare()
    except OSError as e:
        box.close()
        fail(f"cannot listen on {sock or listen}: {e}")
    if sock:
        _start_workers(
            state, box, server, sock, host, port, (cert.cert_path, key) if cert else None
        )
    bound_port = server.bound_port
    scheme = "https" if cert else "http"
    click.echo(
        f"TillEdge {config.box.name!r} serving on {scheme}://{host}:{bound_port} "
        f"(data: {config.box.data_dir})",
        err=True,
    )
    if fingerprint:
        click.echo(f"TLS certificate SHA-256: {tls.colons(fingerprint)}", err=True)
    discovery.start_for_box(box, port=bound_port, listen_host=host, tls_sha256=fingerprint)
    # Hardware only for the running service (never for DB-only CLI commands).
    boot.start_for_serve(
        box, host=host, port=bound_port, scheme=scheme, tls_fingerprint=fingerprint
    )
    # The box's checks for the panel, in the background (never in a request).
    doctor_checks.attach(box, extra=_service_checks(box))
    # The SMTP outbox sends from this process only (API workers queue through it).
    if mail.attach(box) is None:
        click.echo("mail: not configured ([mail] host), no mail is queued", err=True)
    # Delivery addresses are geocoded by this process only, so 1 request/s
    # holds for the whole box however many API workers save addresses.
    if geocoding.attach(box) is None:
        click.echo("geocoding: not configured ([geocoding] url), no geodata", err=True)
    # Mandates unused for 36 months are stored as expired, once a day.
    sepa_expiry.attach(box)
    every = watchdog.interval()
    if every is not None:  # under systemd with WatchdogSec=
        local = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
        url = f"{scheme}://{local if ':' not in local else f'[{local}]'}:{bound_port}"
        stop_pings = watchdog.start(box, watchdog.health_probe(url, every), sd_notify, every)
        server.on_stop.append(stop_pings.set)
    sys.stderr.flush()
    try:
        server.serve_forever()
    except RuntimeError as e:
        fail(f"cannot serve on {host}:{port}: {e}")
    finally:
        box.close()


def _start_workers(
    state: State,
    box: Box,
    server: Server,
    sock: Path,
    host: str,
    port: int,
    cert: tuple[Path, Path] | None,
) -> None:
    """granian's workers on the port, once the primary's socket answers."""
    config = box.config
    writes = primary_writes.WritesServer(box, primary_writes.socket_path(config.data_path))
    writes.start()
    server.on_stop.append(writes.stop)
    front = workers.GranianFront(
        host,
        port,
        workers=config.server.workers,
        config_path=state.config_path,
        cert=cert,
        header_timeout=config.server.header_timeout,
    )

    def start() -> None:
        os.chmod(sock, 0o600)  # only this service's user may talk to the primary
        front.start()
        click.echo(
            f"API workers: {config.server.workers} (granian, pid {front.pid}); primary on {sock}",
            err=True,
        )

    server.after_listen.append(start)
    server.on_stop.append(front.stop)


@cli.command("demo")
@click.option(
    "--dir",
    "directory",
    default=".demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the demo config, database and simulated devices live.",
)
@click.option(
    "--customers",
    default=200,
    show_default=True,
    type=click.IntRange(0, 1_000_000),
    help="How many demo customers to create.",
)
@click.option("--if-missing", is_flag=True, help="Do nothing when the demo already exists.")
@json_option
def demo_command(directory: Path, customers: int, if_missing: bool, as_json: bool) -> None:
    """Create a demo box: config with simulated hardware, database, demo data."""
    config_path = directory / "tilledge.toml"
    if config_path.exists():
        if if_missing:
            emit(
                as_json,
                {"config": str(config_path.resolve()), "created": False},
                f"demo exists: {config_path}",
            )
            return
        fail(f"{config_path} exists; remove {directory} or use --if-missing")
    result = demo.create(directory, customers=customers)
    emit(
        as_json,
        result,
        lambda: click.echo(
            f"demo box created in {directory}\n"
            f"  config:   {result['config']}\n"
            f"  customers: {result['customers']}\n"
            f"  POS token: {result['token']}  (scopes: {', '.join(result['scopes'])})\n"
            f"run it:     tilledge --config {result['config']} serve"
        ),
    )
