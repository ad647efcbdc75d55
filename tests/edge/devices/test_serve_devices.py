"""``tilledge serve`` as a process: it starts the devices, queues the boot
status slip once, and ``tilledge simulate tap`` from another process reaches
the event stream — the demo's flow, on private ports."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

from drivers.nfc_sim import free_udp_port
from edge.demo.box import DEMO_CONFIG
from tests.support.devices import SSEClient, simulate_tap, terminal_token, wait_until
from tests.support.live import TILLEDGE, free_tcp_port, serve_env, serving


def test_demo_profile_is_simulated_hardware() -> None:
    text = DEMO_CONFIG.format(data_dir='"/x"', printer_uri='"sim:/x/receipts"')
    assert 'uri = "udp:127.0.0.1:54321"' in text and 'terminal = "demo-till"' in text
    assert '[devices.display]\nuri = "sim:"' in text


def test_serve_starts_devices_prints_boot_slip_and_takes_simulated_taps(tmp_path: Path) -> None:
    port, udp = free_tcp_port(), free_udp_port()
    data = tmp_path / "data"
    cfg = tmp_path / "tilledge.toml"
    cfg.write_text(
        f'[box]\nname = "Café Test"\ndata_dir = "{data}"\n'
        f'[server]\nlisten = "127.0.0.1:{port}"\n'
        f"[devices.nfc]\nreaders = [{{ name = 'till-1', uri = 'udp:127.0.0.1:{udp}',"
        f" terminal = 'T1' }}]\n"
        f'[devices.printer]\nuri = "sim:{tmp_path / "receipts"}"\n'
        f'[devices.display]\nuri = "sim:"\n'
        f"[discovery]\nenabled = false\n",
        encoding="utf-8",
    )
    token = terminal_token(cfg, "T1")
    with serving(cfg, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as proc:

        def health() -> dict | None:  # type: ignore[type-arg]
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/health", timeout=1
                ) as r:
                    body = json.loads(r.read())
            except OSError:
                return None
            return (
                body if body["devices"] == {"nfc": "ok", "printer": "ok", "display": "ok"} else None
            )

        wait_until(health, timeout=20, interval=0.1)
        slips = wait_until(lambda: list((tmp_path / "receipts").glob("*-status.txt")), timeout=10)
        assert len(slips) == 1
        slip = slips[0].read_text(encoding="utf-8")
        assert f"http://127.0.0.1:{port}" in slip and "tilledge pair" in slip

        sse = SSEClient(port, token, query="?terminal=T1")
        try:
            simulate_tap(cfg, "04A1B2C3D4E5F6")
            _, _, _, event = sse.wait_for(lambda n, d: n == "card.tapped", timeout=10)
        finally:
            sse.close()
        assert event["uid"] == "04A1B2C3D4E5F6" and event["customer"] is None
        report = subprocess.run(
            [TILLEDGE, "--config", str(cfg), "devices", "--json"],
            env=serve_env(),
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert report.returncode == 0, report.stderr
        assert json.loads(report.stdout)["summary"] == {
            "nfc": "ok",
            "printer": "ok",
            "display": "ok",
        }
    assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
