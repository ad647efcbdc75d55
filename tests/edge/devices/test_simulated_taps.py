"""Simulated taps through the whole service: only readers without a radio
(``udp:``, ``sim``) take them, and every ``card.tapped`` says whether its
reader was simulated. A real reader (``usb:``) is configured but absent here;
that is enough: the refusal must not depend on the reader being plugged in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from drivers.nfc_sim import CardEmulator
from edge.cli import cli
from tests.support.devices import Service, SSEClient, device_config, wait_until

UID = "04A1B2C3D4E5F6"
REAL = "usb:054c:06c3"  # a Sony RC-S380: nfcpy's path of a real reader


def _service(tmp_path: Path, readers: list[dict[str, str]]) -> Service:
    config = device_config(
        tmp_path / "data",
        **{"devices.nfc.enabled": True, "devices.nfc.readers": readers},
    )
    return Service(config)


@pytest.fixture
def mixed(tmp_path: Path, nfc_uri: str) -> Iterator[Service]:
    svc = _service(
        tmp_path,
        [
            {"name": "real-1", "uri": REAL, "terminal": "T1"},
            {"name": "demo", "uri": nfc_uri, "terminal": "T2"},
            {"name": "sim-1", "uri": "sim", "terminal": "T3"},
        ],
    )
    yield svc
    svc.close()


def test_a_real_reader_refuses_simulated_taps(tmp_path: Path) -> None:
    svc = _service(tmp_path, [{"name": "real-1", "uri": REAL, "terminal": "T1"}])
    try:
        sse = SSEClient(svc.port, svc.token)
        try:
            status, body = svc.request("POST", "/devices/taps", {"uid": UID})
            assert status == 409 and body["code"] == "conflict", body
            assert "real-1" in body["detail"] and "real reader" in body["detail"]
            status, body = svc.request("POST", "/devices/taps", {"uid": UID, "reader": "real-1"})
            assert status == 409 and body["code"] == "conflict"
            assert svc.devices.can_simulate_taps() is False
            assert svc.devices.taps.handled == 0 and sse.named("card.tapped") == []
        finally:
            sse.close()
        status, devices = svc.request("GET", "/devices")
        assert devices["nfc"]["readers"][0]["simulated"] is False
    finally:
        svc.close()


def test_the_cli_refuses_real_and_sim_readers(tmp_path: Path) -> None:
    cfg = tmp_path / "cli.toml"
    cfg.write_text(
        f'[box]\ndata_dir = "{tmp_path / "data"}"\n'
        "[devices.nfc]\nreaders = [{ name = 'real-1', uri = 'usb:054c:06c3' },"
        " { name = 'sim-1', uri = 'sim' }]\n",
        encoding="utf-8",
    )
    real = CliRunner().invoke(cli, ["--config", str(cfg), "simulate", "tap", UID])
    assert real.exit_code != 0 and "a real reader" in real.output
    sim = CliRunner().invoke(
        cli, ["--config", str(cfg), "simulate", "tap", UID, "--reader", "sim-1"]
    )
    assert sim.exit_code != 0 and "POST /devices/taps" in sim.output


def test_udp_and_sim_readers_take_simulated_taps_marked_simulated(
    mixed: Service, nfc_uri: str
) -> None:
    wait_until(lambda: mixed.devices.readers.get("demo").state == "ok")
    sse = SSEClient(mixed.port, mixed.token)
    try:
        # No reader named: the first simulated one (udp), over the air.
        status, body = mixed.request("POST", "/devices/taps", {"uid": "04:a2:b3:c4"})
        assert status == 202, body
        assert body == {"reader": "demo", "uid": "04A2B3C4", "simulated": True}
        _, _, _, tap = sse.wait_for(lambda n, d: n == "card.tapped")
        assert tap["reader"] == "demo" and tap["terminal"] == "T2"
        assert tap["uid"] == "04A2B3C4" and tap["simulated"] is True

        status, body = mixed.request("POST", "/devices/taps", {"uid": UID, "reader": "sim-1"})
        assert status == 202 and body["reader"] == "sim-1"
        _, _, _, tap = sse.wait_for(lambda n, d: n == "card.tapped" and d["reader"] == "sim-1")
        assert tap["simulated"] is True and tap["terminal"] == "T3"

        status, body = mixed.request("POST", "/devices/taps", {"uid": UID, "reader": "real-1"})
        assert status == 409 and body["code"] == "conflict"
        status, body = mixed.request("POST", "/devices/taps", {"uid": UID, "reader": "nope"})
        assert status == 404 and body["code"] == "not_found"
        status, body = mixed.request("POST", "/devices/taps", {"uid": "abc"})
        assert status == 422 and body["errors"][0]["field"] == "uid", body
        assert [d["reader"] for d in sse.named("card.tapped")] == ["demo", "sim-1"]
    finally:
        sse.close()
    status, devices = mixed.request("GET", "/devices")
    simulated = {r["name"]: r["simulated"] for r in devices["nfc"]["readers"]}
    assert simulated == {"real-1": False, "demo": True, "sim-1": True}
    assert mixed.devices.readers.get("sim-1").state == "ok"  # nothing to open, never offline


def test_a_card_through_nfcpys_udp_driver_is_marked_simulated(mixed: Service, nfc_uri: str) -> None:
    # Not injected by a person: an emulator presents the card on the udp
    # port, the reader's thread senses it as it would a real card. The card
    # is still software (a udp reader has no radio), so the event says so.
    wait_until(lambda: mixed.devices.readers.get("demo").state == "ok")
    sse = SSEClient(mixed.port, mixed.token)
    try:
        with CardEmulator(nfc_uri) as card:
            card.present(UID)
            _, _, _, tap = sse.wait_for(lambda n, d: n == "card.tapped")
    finally:
        sse.close()
    assert tap["reader"] == "demo" and tap["uid"] == UID and tap["simulated"] is True


def test_taps_on_a_real_reader_say_simulated_false(mixed: Service) -> None:
    # The only way a real reader's tap enters the service: its reader thread's
    # on_tap callback (no card can be presented to usb: here).
    sse = SSEClient(mixed.port, mixed.token)
    try:
        mixed.devices.readers.get("real-1").on_tap("real-1", UID)  # type: ignore[misc]
        _, _, _, tap = sse.wait_for(lambda n, d: n == "card.tapped")
    finally:
        sse.close()
    assert tap["reader"] == "real-1" and tap["simulated"] is False
