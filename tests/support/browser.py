"""A live panel for browser tests: the server (granian) on 127.0.0.1 with a temp box, and
Debian's Chromium driven by Playwright (its own browser download does not
work here, see ../shared/DESIGN.md)."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.devices import manager as devices
from edge.platform.box import Box
from edge.platform.config import load_config
from edge.security import tls
from edge.serving.app import create_app
from edge.serving.server import Server
from tests.support.paths import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
SIZES = {"desktop": (1280, 800), "small": (800, 480)}


def missing() -> str | None:
    """Why browser tests cannot run here, or None.

    Only the Debian binary may be missing (CI installs it); playwright is a
    test dependency, so its ImportError must fail, not skip.
    """
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return "Debian chromium is not installed (apt-get install chromium)"
    return None


@dataclass
class Live:
    box: Box
    url: str


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_panel(data_dir: Path, overrides: dict[str, Any] | None = None) -> Iterator[Live]:
    """Serve a fresh box over HTTPS on an ephemeral loopback port.

    HTTPS, as on a shop LAN: the session cookie is ``Secure``. The browser
    context ignores the self-signed certificate (terminals pin it instead).
    """
    config = load_config(
        overrides={
            "box.data_dir": str(data_dir),
            "box.name": "Testladen",
            "discovery.enabled": False,
            "ledger.max_topup": 500000,  # 5,000 €: room for thousands separators
            "devices.printer.uri": f"sim:{data_dir / 'receipts'}",
            "devices.display.uri": "sim:",
            "devices.nfc.readers": [
                {"name": "till-1", "uri": f"udp:127.0.0.1:{free_udp_port()}", "terminal": "t1"}
            ],
            **(overrides or {}),
        },
        environ={},
    )
    box = Box.open(config)
    cert = tls.generate_for(config, box.box_id)
    box.services["tls_fingerprint"] = cert.fingerprint
    devices.attach(box)  # the real device service, on the simulated hardware above
    app = create_app(box=box)
    server = Server(app, "127.0.0.1", 0, threads=8, cert=(cert.cert_path, cert.key_path))
    server.prepare()
    thread = threading.Thread(target=server.serve_forever, name="live-panel", daemon=True)
    thread.start()
    try:
        yield Live(box=box, url=f"https://127.0.0.1:{server.bound_port}")
    finally:
        server.stop()
        thread.join(10)
        box.close()


@contextmanager
def staffed_panel(data_dir: Path, overrides: dict[str, Any] | None = None) -> Iterator[Live]:
    """:func:`live_panel` with a cashier ``cara`` and a manager ``max``."""
    from tests.support.panel import add_user

    with live_panel(data_dir, overrides) as lv:
        add_user(lv.box, "cara", "cashier")
        add_user(lv.box, "max", "manager")
        yield lv


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
        args=CHROMIUM_ARGS,
    )


def shot(page: Any, name: str, *, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
