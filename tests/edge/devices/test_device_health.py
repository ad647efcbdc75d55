"""The device reports without hardware: driver states → ``device.status`` events,
``/health``'s summary (the worst reader counts), ``GET /devices``; the boot
slip's addresses; ``edge.devices`` and ``drivers`` load no Flask."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.devices import health
from edge.devices.manager import DeviceManager, attach
from edge.platform.box import Box
from edge.security.tls import colons
from edge.serving.boot import service_addresses
from tests.support.devices import device_config
from tests.support.paths import ROOT


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[DeviceManager]:
    readers = [
        {"name": "till-1", "uri": "udp:127.0.0.1:1", "terminal": "T1"},
        {"name": "till-2", "uri": "udp:127.0.0.1:2", "terminal": ""},
    ]
    config = device_config(
        tmp_path / "data",
        **{
            "devices.nfc.enabled": True,
            "devices.nfc.readers": readers,
            "devices.display.enabled": True,
            "devices.display.uri": "sim:",
            "devices.printer.enabled": True,
            "devices.printer.uri": "sim:receipts",
        },
    )
    box = Box.open(config)
    try:
        yield attach(box, start=False)  # nothing opened: states come from the tests
    finally:
        box.close()


def test_driver_states_map_to_the_apis_three() -> None:
    assert health.health_state(None) == "offline"  # not opened yet
    assert [health.health_state(s) for s in ("ok", "offline", "error")] == [
        "ok", "offline", "error"
    ]  # fmt: skip
    assert health.health_state("paper_out") == "error"
    assert [health.health_state(s) for s in ("stalled", "disconnected")] == ["error", "error"]
    assert [health.reason(s) for s in ("stalled", "ok", "offline", None)] == [
        "stalled", None, None, None
    ]  # fmt: skip


def test_each_change_is_one_device_status_event(manager: DeviceManager) -> None:
    bus = manager.bus
    start = bus.last_id
    assert manager.printer is not None and manager.display is not None
    manager.printer._set_state("ok", "sim")
    manager.printer._set_state("ok", "sim again")  # no change: no event
    manager.printer._set_state("paper_out", "tcp: paper out")
    manager.display._set_state("offline", "/dev/ttyUSB0 vanished")
    events = [(e.name, e.data) for e in bus.since(start)]
    assert events == [
        ("device.status", {"device": "printer", "name": "printer", "state": "ok", "detail": "sim"}),
        (
            "device.status",
            {
                "device": "printer",
                "name": "printer",
                "state": "error",
                "detail": "tcp: paper out",
                "reason": "paper_out",
            },
        ),
        (
            "device.status",
            {
                "device": "display",
                "name": "display",
                "state": "offline",
                "detail": "/dev/ttyUSB0 vanished",
            },
        ),
    ]


def test_summary_details_and_states_follow_the_drivers(manager: DeviceManager) -> None:
    r1, r2 = manager.readers
    assert manager.summary() == {"nfc": "offline", "printer": "offline", "display": "offline"}
    r1._set_state("ok", "udp")
    assert manager.summary()["nfc"] == "offline"  # till-2 not open yet: the worst counts
    r2._set_state("error", "permission denied")
    assert manager.summary()["nfc"] == "error"
    r2._set_state("ok", "udp")
    assert manager.printer is not None and manager.display is not None
    manager.printer._set_state("paper_out", "paper out")
    manager.display._set_state("ok", "simulated")
    assert manager.summary() == {"nfc": "ok", "printer": "error", "display": "ok"}
    details = manager.details()
    assert [(r["name"], r["terminal"], r["state"]) for r in details["nfc"]["readers"]] == [
        ("till-1", "T1", "ok"),
        ("till-2", None, "ok"),
    ]
    assert details["printer"]["raw_state"] == "paper_out" and details["printer"]["queued"] == 0
    assert details["display"]["protocol"] == "epson" and details["display"]["codepage"] == "PC858"
    assert details["printer"]["reason"] == "paper_out"
    assert manager.states()["printer"] == {
        "state": "error",
        "detail": "paper out",
        "reason": "paper_out",
    }
    assert manager.states()["nfc"] == {"state": "ok", "detail": "till-1: udp; till-2: udp"}


def test_a_misconfigured_device_is_an_error_with_the_reason(tmp_path: Path) -> None:
    config = device_config(
        tmp_path / "data",
        **{"devices.display.enabled": True, "devices.display.codepage": "KLINGON"},
    )
    box = Box.open(config)
    try:
        manager = attach(box, start=False)
        assert manager.display is None
        assert manager.summary()["display"] == "error"
        detail = manager.details()["display"]["detail"]
        assert detail.startswith("configuration: ") and "KLINGON" in detail
    finally:
        box.close()


def test_boot_slip_addresses_and_fingerprint(tmp_path: Path) -> None:
    interfaces = ["192.168.1.20", "fd00::7"]
    config = device_config(tmp_path / "data", **{"discovery.interfaces": interfaces})
    box = Box.open(config)
    try:
        assert service_addresses(box, "127.0.0.1", 8080, "http") == ["http://127.0.0.1:8080"]
        assert service_addresses(box, "0.0.0.0", 8443, "https") == [
            "https://192.168.1.20:8443",
            "https://[fd00::7]:8443",
        ]
    finally:
        box.close()
    assert colons("abcd01") == "AB:CD:01"
    assert colons("abcd01", upper=False) == "ab:cd:01"  # the slip prints it as stored
    assert colons("AB:CD:01", upper=False) == "AB:CD:01"  # already grouped: unchanged


def test_drivers_load_no_flask_and_nothing_from_edge() -> None:
    code = (
        "import sys, drivers, drivers.backoff, drivers.device, drivers.display, drivers.nfc,"
        " drivers.nfc_sim, drivers.printer, drivers.uids;"
        " print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'werkzeug', 'edge'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
