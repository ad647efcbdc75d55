"""Device states: ``/health``, ``GET /devices``, ``device.status`` events,
``tilledge devices``; faults (reader gone, display unplugged, printer down)
heal by themselves; ``POST/GET /display``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from drivers.display import EpsonDisplay
from drivers.nfc_sim import CardEmulator
from edge.cli import cli
from tests.support.devices import (
    Pty,
    Service,
    SSEClient,
    TcpPrinter,
    device_config,
    free_tcp_port,
    reader_and_display,
    wait_until,
)


@pytest.fixture
def service(tmp_path: Path, pty: Pty, nfc_uri: str, printer: TcpPrinter) -> Iterator[Service]:
    config = device_config(
        tmp_path / "data",
        **reader_and_display(nfc_uri, pty.link),
        **{"devices.printer.enabled": True, "devices.printer.uri": printer.uri},
    )
    svc = Service(config, printer_status_s=0.2)
    yield svc
    svc.close()


ALL_OK = {"nfc": "ok", "printer": "ok", "display": "ok"}


def test_health_and_devices_route_show_states(service: Service) -> None:
    wait_until(lambda: service.devices.summary() == ALL_OK)
    status, health = service.request("GET", "/health", auth=False)
    assert status == 200 and health["devices"] == ALL_OK and health["status"] == "ok"
    status, body = service.request("GET", "/devices")
    assert status == 200 and body["summary"] == ALL_OK
    (reader,) = body["nfc"]["readers"]
    assert reader["name"] == "till-1" and reader["terminal"] == "T1" and reader["state"] == "ok"
    assert body["display"]["protocol"] == "epson" and body["display"]["codepage"] == "PC858"
    assert body["printer"]["state"] == "ok" and body["printer"]["queued"] == 0


def test_reader_vanishing_and_returning(service: Service, nfc_uri: str) -> None:
    wait_until(lambda: service.devices.summary()["nfc"] == "ok")
    sse = SSEClient(service.port, service.token)
    reader = service.devices.readers.get("till-1")
    try:
        reader.reset()  # closed under the loop: what an unplugged USB reader produces
        sse.wait_for(lambda n, d: n == "device.status" and d["state"] == "offline")
        sse.wait_for(
            lambda n, d: n == "device.status" and d["device"] == "nfc" and d["state"] == "ok"
        )
        with CardEmulator(nfc_uri) as card:  # and taps work again
            card.present("CAFEBABE")
            sse.wait_for(lambda n, d: n == "card.tapped" and d["uid"] == "CAFEBABE")
    finally:
        sse.close()
    assert service.devices.summary()["nfc"] == "ok"


def test_display_unplugged_and_replugged(service: Service, pty: Pty, tmp_path: Path) -> None:
    wait_until(lambda: service.devices.summary()["display"] == "ok")
    sse = SSEClient(service.port, service.token)
    try:
        pty.link.unlink()  # the udev symlink goes away with the USB adapter
        sse.wait_for(lambda n, d: n == "device.status" and d["device"] == "display"
                     and d["state"] == "offline", timeout=10)  # fmt: skip
        assert service.request("GET", "/health", auth=False)[1]["status"] == "degraded"
        status, _ = service.request("POST", "/display", {"lines": ["Zurück", "5,00 €"]})
        assert status == 200  # never blocks on a missing port
        replug = Pty(tmp_path / "tilledge-display")
        try:
            sse.wait_for(lambda n, d: n == "device.status" and d["device"] == "display"
                         and d["state"] == "ok", timeout=10)  # fmt: skip
            # Re-initialised and the wanted text re-sent on the new port.
            display = EpsonDisplay(20, 2)
            replug.wait_contains(display.init() + display.frame(["Zurück", "5,00 €"]))
        finally:
            replug.close()
    finally:
        sse.close()


def test_printer_down_and_back_is_reported(service: Service, printer: TcpPrinter) -> None:
    wait_until(lambda: service.devices.summary()["printer"] == "ok")
    port = printer.port
    sse = SSEClient(service.port, service.token)
    try:
        printer.close()
        sse.wait_for(lambda n, d: n == "device.status" and d["device"] == "printer"
                     and d["state"] == "offline")  # fmt: skip
        back = TcpPrinter(port)
        try:
            sse.wait_for(lambda n, d: n == "device.status" and d["device"] == "printer"
                         and d["state"] == "ok")  # fmt: skip
        finally:
            back.close()
    finally:
        sse.close()


def test_post_and_get_display(service: Service, pty: Pty) -> None:
    status, body = service.request(
        "POST", "/display", {"lines": ["Grüße aus Köln", "Summe 12,50 €"], "timeout_s": 30}
    )
    assert status == 200
    assert body["lines"] == ["Grüße aus Köln", "Summe 12,50 €"]
    pty.wait_contains(EpsonDisplay(20, 2).frame(["Grüße aus Köln", "Summe 12,50 €"]))
    status, now = service.request("GET", "/display")
    assert now["text"] == ["Grüße aus Köln".ljust(20), "Summe 12,50 €".ljust(20)]
    assert service.request("POST", "/display", {"lines": []})[0] == 422
    assert service.request("POST", "/display", {"text": "x"})[0] == 422


def cli_devices_report(tmp_path: Path, port: int, devices_toml: str) -> dict[str, Any]:
    """``tilledge devices --json`` on a box config with server port ``port``."""
    cfg = tmp_path / "cli.toml"
    cfg.write_text(
        f'[box]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[server]\nlisten = "127.0.0.1:{port}"\n{devices_toml}',
        encoding="utf-8",
    )
    r = CliRunner().invoke(cli, ["--config", str(cfg), "devices", "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)  # type: ignore[no-any-return]


def test_cli_devices_asks_the_running_service(service: Service, tmp_path: Path) -> None:
    wait_until(lambda: service.devices.summary() == ALL_OK)
    uri = service.devices.readers.get("till-1").uri
    report = cli_devices_report(
        tmp_path,
        service.port,
        f"[devices.nfc]\nreaders = [{{ name = 'till-1', uri = '{uri}', terminal = 'T1' }}]\n",
    )
    assert report["source"] == "service" and report["summary"] == ALL_OK
    assert report["nfc"]["readers"][0]["name"] == "till-1"
    assert "serial_ports" in report["detected"]


def test_cli_devices_probes_without_a_service(tmp_path: Path, printer: TcpPrinter) -> None:
    report = cli_devices_report(
        tmp_path,
        free_tcp_port(),
        f'[devices.printer]\nuri = "{printer.uri}"\n'
        f'[devices.display]\nuri = "{tmp_path / "no-such-display"}"\n'
        "[devices.nfc]\nenabled = false\n",
    )
    assert report["source"] == "probe"
    assert report["summary"] == {"nfc": "disabled", "printer": "ok", "display": "offline"}
    text = CliRunner().invoke(cli, ["--config", str(tmp_path / "cli.toml"), "devices"])
    assert text.exit_code == 0 and "not running" in text.output


def test_cli_simulate_tap_reaches_the_service(service: Service, tmp_path: Path) -> None:
    uri = service.devices.readers.get("till-1").uri
    cfg = tmp_path / "cli.toml"
    cfg.write_text(
        f'[box]\ndata_dir = "{tmp_path / "data"}"\n'
        f"[devices.nfc]\nreaders = [{{ name = 'till-1', uri = '{uri}', terminal = 'T1' }}]\n",
        encoding="utf-8",
    )
    sse = SSEClient(service.port, service.token, query="?terminal=T1")
    try:
        r = CliRunner().invoke(
            cli, ["--config", str(cfg), "simulate", "tap", "04:a1:b2:c3", "--json"]
        )
        assert r.exit_code == 0, r.output
        assert json.loads(r.output)["uid"] == "04A1B2C3"
        sse.wait_for(lambda n, d: n == "card.tapped" and d["uid"] == "04A1B2C3")
    finally:
        sse.close()
    bad = CliRunner().invoke(cli, ["--config", str(cfg), "simulate", "tap", "zz"])
    assert bad.exit_code != 0
    nope = CliRunner().invoke(
        cli, ["--config", str(cfg), "simulate", "tap", "0102", "--reader", "x"]
    )
    assert nope.exit_code != 0 and "no reader" in nope.output


def test_apps_without_the_service_have_no_hardware(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/v1/health").get_json()
    assert body["devices"] == {"nfc": "disabled", "printer": "disabled", "display": "disabled"}


def test_misconfigured_devices_are_errors_not_crashes(tmp_path: Path) -> None:
    config = device_config(
        tmp_path / "data",
        **{
            "devices.display.enabled": True,
            "devices.display.uri": "sim:",
            "devices.display.codepage": "KLINGON",
            "devices.printer.enabled": True,
            "devices.printer.uri": "sim:receipts",
            "devices.printer.profile": "no-such-printer",
        },
    )
    svc = Service(config)
    try:
        status, health = svc.request("GET", "/health", auth=False)
        assert health["devices"] == {"nfc": "disabled", "printer": "error", "display": "error"}
        status, body = svc.request("GET", "/devices")
        assert status == 200 and "KLINGON" in body["display"]["detail"]
        assert "no-such-printer" in body["printer"]["detail"]
        assert svc.request("POST", "/display", {"lines": ["x"]})[0] == 409
    finally:
        svc.close()
