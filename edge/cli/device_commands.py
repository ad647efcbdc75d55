"""``tilledge devices`` and ``tilledge simulate tap``.

``devices`` asks the running service first (``/api/v1/health`` is open and
the service owns the hardware: opening a reader or a serial display it holds
would only report "busy"); when no service answers it probes each configured
device itself. It also lists what is plugged in (USB ids nfcpy knows, serial
ports), so a technician sees "configured" next to "detected".
"""

from __future__ import annotations

import contextlib
import json
import ssl
import urllib.request
from typing import Any

import click

from edge.cli.group import State, cli, emit, fail, json_option, pass_state
from edge.platform.config import Config
from edge.serving.server import is_loopback, split_listen


def service_health(config: Config, timeout: float = 1.0) -> dict[str, Any] | None:
    host, port = split_listen(config.server.listen)
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    tls = config.server.tls == "on" or (config.server.tls == "auto" and not is_loopback(host))
    url = f"{'https' if tls else 'http'}://{host if ':' not in host else f'[{host}]'}:{port}"
    context = None
    if tls:  # only the open health document is read: no secret goes over this link
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(f"{url}/api/v1/health", timeout=timeout, context=context) as r:
            body = json.loads(r.read())
    except (OSError, ValueError):
        return None
    return {"url": url, "health": body}


def _probe_reader(uri: str) -> tuple[str, str]:
    from drivers.nfc import _classify, _Frontend

    clf = _Frontend(response_timeout=0.02)
    try:
        if not clf.open(uri):
            return "offline", f"no reader at {uri}"
        return "ok", str(clf.device)
    except Exception as exc:
        return _classify(exc)
    finally:
        with contextlib.suppress(Exception):
            clf.close()


def _probe_display(config: Config) -> tuple[str, str]:
    import serial

    uri = config.devices.display.uri
    if uri.startswith("sim:"):
        return "ok", "simulated"
    try:
        port = serial.serial_for_url(uri, baudrate=config.devices.display.baudrate, timeout=0)
        port.close()
    except Exception as exc:
        return "offline", str(exc)
    return "ok", uri


def _probe_printer(config: Config) -> tuple[str, str]:
    from edge.devices.printing import printer_for

    try:
        printer = printer_for(config)
        state = printer.status()
    except Exception as exc:
        return "error", str(exc)
    return ("ok" if state == "ok" else "offline" if state == "offline" else "error"), (
        printer.detail or state
    )


def _detected() -> dict[str, Any]:
    """USB NFC readers nfcpy supports and serial ports that are plugged in."""
    out: dict[str, Any] = {"usb_readers": [], "serial_ports": []}
    try:
        import usb.core
        from nfc.clf.device import usb_device_map

        for dev in usb.core.find(find_all=True) or []:
            key = (dev.idVendor, dev.idProduct)
            if key in usb_device_map:
                out["usb_readers"].append(
                    {"uri": f"usb:{key[0]:04x}:{key[1]:04x}", "driver": usb_device_map[key]}
                )
    except Exception as exc:  # no libusb backend: say so instead of failing
        out["usb_error"] = str(exc) or type(exc).__name__
    try:
        from serial.tools import list_ports

        out["serial_ports"] = [
            {"device": p.device, "description": p.description} for p in list_ports.comports()
        ]
    except Exception as exc:
        out["serial_error"] = str(exc)
    return out


def device_report(config: Config, *, probe: bool | None = None) -> dict[str, Any]:
    """Configured devices with state (from the service, else probed) + detected ones."""
    dev = config.devices
    service = service_health(config) if probe is not True else None
    summary = service["health"].get("devices", {}) if service else {}
    readers = []
    for rc in dev.nfc.readers if dev.nfc.enabled else []:
        entry: dict[str, Any] = {"name": rc.name, "uri": rc.uri, "terminal": rc.terminal or None}
        if service is None:
            entry["state"], entry["detail"] = _probe_reader(rc.uri)
        readers.append(entry)
    report: dict[str, Any] = {
        "service": {"url": service["url"], "running": True} if service else {"running": False},
        "source": "service" if service else "probe",
        "summary": {},
        "nfc": {"enabled": dev.nfc.enabled, "readers": readers},
        "printer": {"enabled": dev.printer.enabled, "uri": dev.printer.uri},
        "display": {
            "enabled": dev.display.enabled,
            "uri": dev.display.uri,
            "protocol": dev.display.protocol,
        },
    }
    if service is not None:
        report["summary"] = summary
        for kind in ("printer", "display"):
            report[kind]["state"] = summary.get(kind, "disabled")
    else:
        states = [r["state"] for r in readers]
        worst = max(states, key=["ok", "offline", "error"].index) if states else "disabled"
        report["summary"]["nfc"] = worst
        for kind, fn in (("printer", _probe_printer), ("display", _probe_display)):
            if getattr(dev, kind).enabled:
                report[kind]["state"], report[kind]["detail"] = fn(config)
            else:
                report[kind]["state"] = "disabled"
            report["summary"][kind] = report[kind]["state"]
    report["detected"] = _detected()
    return report


def _print_report(report: dict[str, Any]) -> None:
    src = report["service"]
    click.echo(
        f"service: running at {src['url']}" if src["running"] else "service: not running (probed)"
    )
    for kind in ("nfc", "printer", "display"):
        click.echo(f"{kind:8} {report['summary'].get(kind, '?')}")
    for r in report["nfc"]["readers"]:
        extra = f"  {r['state']}: {r['detail']}" if "state" in r else ""
        click.echo(f"  reader {r['name']} {r['uri']} → terminal {r['terminal'] or '-'}{extra}")
    for kind in ("printer", "display"):
        d = report[kind]
        if d["enabled"]:
            click.echo(f"  {kind} {d['uri']}" + (f"  ({d['detail']})" if d.get("detail") else ""))
    det = report["detected"]
    for r in det["usb_readers"]:
        click.echo(f"detected USB reader {r['uri']} ({r['driver']})")
    for p in det["serial_ports"]:
        click.echo(f"detected serial port {p['device']} ({p['description']})")


@cli.command("devices")
@click.option("--probe", is_flag=True, help="Open the devices here even if the service runs.")
@json_option
@pass_state
def devices_command(state: State, probe: bool, as_json: bool) -> None:
    """Configured and detected hardware with state."""
    report = device_report(state.config, probe=True if probe else None)
    emit(as_json, report, lambda: _print_report(report))


@cli.group()
def simulate() -> None:
    """Simulated hardware (udp NFC readers)."""


@simulate.command("tap")
@click.argument("uid")
@click.option("--reader", "reader_name", help="Reader name from [devices.nfc] (default: first).")
@click.option("--hold", type=click.FloatRange(0.1, 60), default=0.3, show_default=True,
              help="Seconds the card rests on the reader.")  # fmt: skip
@json_option
@pass_state
def simulate_tap(
    state: State, uid: str, reader_name: str | None, hold: float, as_json: bool
) -> None:
    """Present an emulated card UID to a simulated (udp:) reader."""
    from drivers.nfc_sim import EmulatorBusy, present_card
    from drivers.uids import nfc_uid

    readers = state.config.devices.nfc.readers
    if not readers:
        fail("no NFC reader is configured ([devices.nfc] readers)")
    if reader_name is None:
        rc = readers[0]
    else:
        matches = [r for r in readers if r.name == reader_name]
        if not matches:
            fail(f"no reader {reader_name!r}; configured: {', '.join(r.name for r in readers)}")
        rc = matches[0]
    if rc.uri.partition(":")[0].lower() == "sim":
        fail(f"reader {rc.name} is a sim reader: tap it from the panel or POST /devices/taps")
    if not rc.uri.startswith("udp"):
        fail(f"reader {rc.name} is {rc.uri}, a real reader: simulated taps only on udp: readers")
    try:
        norm = nfc_uid(uid)
        present_card(rc.uri, norm, hold)
    except (ValueError, EmulatorBusy, OSError) as exc:
        fail(str(exc))
    emit(
        as_json,
        {
            "reader": rc.name,
            "uri": rc.uri,
            "terminal": rc.terminal or None,
            "uid": norm,
            "hold_s": hold,
        },
        f"presented {norm} on {rc.name} ({rc.uri}) for {hold:.2f}s",
    )
