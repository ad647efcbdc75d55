"""``tilledge serve`` and ``tilledge demo``."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .. import demo, devices, discovery
from ..app import create_app
from ..security import tls
from ..server import Server, is_loopback, split_listen
from . import State, cli, emit, fail, json_option, pass_state


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
    box = state.open_box()
    ssl_adapter = None
    fingerprint = None
    if use_tls:
        try:
            cert = tls.ensure(config, box.box_id)  # generated on first start
        except (OSError, ValueError) as e:
            box.close()
            fail(f"TLS certificate: {e}")
        ssl_adapter = tls.ssl_adapter(cert)
        fingerprint = cert.fingerprint
        box.services["tls_fingerprint"] = fingerprint
    app = create_app(box=box)
    server = Server(
        app,
        host,
        port,
        threads=config.server.threads,
        active_requests=config.server.active_requests,
        ssl_adapter=ssl_adapter,
    )
    server.on_stop.append(box.services["events"].close)
    try:
        server.prepare()
    except OSError as e:
        box.close()
        fail(f"cannot listen on {listen}: {e}")
    scheme = "https" if ssl_adapter else "http"
    click.echo(
        f"TillEdge {config.box.name!r} serving on {scheme}://{host}:{server.bound_port} "
        f"(data: {config.box.data_dir})",
        err=True,
    )
    if fingerprint:
        click.echo(f"TLS certificate SHA-256: {tls.colons(fingerprint)}", err=True)
    discovery.start_for_box(box, port=server.bound_port, listen_host=host, tls_sha256=fingerprint)
    # Hardware only for the running service (never for DB-only CLI commands).
    devices.start_for_serve(
        box, host=host, port=server.bound_port, scheme=scheme, tls_fingerprint=fingerprint
    )
    sys.stderr.flush()
    try:
        server.serve_forever()
    finally:
        box.close()


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
