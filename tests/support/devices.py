"""The whole service on loopback for device tests: a live server (granian, as `tilledge serve`) with
the device manager, an SSE client over real HTTP, a pty display and a TCP
printer. Tests wait on conditions with deadlines, never on fixed sleeps."""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edge.devices.manager import DeviceManager, attach
from edge.platform.box import Box
from edge.platform.config import Config, load_config
from edge.security.tokens import issue_token
from edge.serving.app import create_app
from edge.serving.server import Server
from tests.support.fakes import NetworkPrinter, Pty, wait_until
from tests.support.live import TILLEDGE, api_call, free_tcp_port, serve_env

_numbers = itertools.count(70000)

__all__ = [
    "TILLEDGE",
    "Pty",
    "SSEClient",
    "Service",
    "TcpPrinter",
    "api_call",
    "device_config",
    "free_tcp_port",
    "reader_and_display",
    "serve_env",
    "simulate_tap",
    "terminal_token",
    "wait_until",
]


def terminal_token(config_path: Path, name: str) -> str:
    """Create the box of ``config_path`` and pair a ``pos`` terminal, before
    ``tilledge serve`` runs on it."""
    box = Box.open(load_config(config_path, environ={}))
    try:
        return str(box.db.write(lambda c: issue_token(c, name, ["pos"]))["token"])
    finally:
        box.close()


def simulate_tap(config_path: Path, uid: str) -> None:
    """``tilledge simulate tap`` from another process, as a technician would."""
    tap = subprocess.run(
        [TILLEDGE, "--config", str(config_path), "simulate", "tap", uid],
        env=serve_env(),
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert tap.returncode == 0, tap.stderr


def reader_and_display(nfc_uri: str, display: Path) -> dict[str, Any]:
    """``device_config`` overrides: reader ``till-1`` (terminal T1) on ``nfc_uri``
    and the customer display on the serial port ``display``."""
    return {
        "devices.nfc.enabled": True,
        "devices.nfc.readers": [{"name": "till-1", "uri": nfc_uri, "terminal": "T1"}],
        "devices.display.enabled": True,
        "devices.display.uri": str(display),
    }


def device_config(data_dir: Path, **overrides: Any) -> Config:
    base: dict[str, Any] = {
        "box.data_dir": str(data_dir),
        "devices.nfc.enabled": False,
        "devices.display.enabled": False,
        "devices.printer.enabled": False,
        "devices.printer.boot_slip": False,
        "devices.printer.retry_max_s": 1,
        "discovery.enabled": False,
    }
    base.update(overrides)
    return load_config(overrides=base, environ={})


class Service:
    """What ``tilledge serve`` runs: Box + app + devices + the server on 127.0.0.1:<free>."""

    def __init__(self, config: Config, *, printer_status_s: float | None = None) -> None:
        self.box = Box.open(config)
        self.app = create_app(box=self.box)
        self.server = Server(self.app, "127.0.0.1", 0, threads=8)
        self.server.on_stop.append(self.box.services["events"].close)
        self.server.prepare()
        self.devices: DeviceManager = attach(self.box, start=False)
        if printer_status_s is not None:
            self.devices.printer_status_s = printer_status_s
        self.devices.start()
        # As Server.serve_forever does: a short GIL switch interval for the
        # writer and the device threads (see edge/server.py).
        sys.setswitchinterval(0.0005)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.token = str(
            self.box.db.write(lambda c: issue_token(c, "till-1", ["pos", "manager"]))["token"]
        )
        self.closed = False

    @property
    def port(self) -> int:
        return self.server.bound_port

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        idem: bool | str = True,
        auth: bool = True,
    ) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        if method == "POST" and idem:
            headers["Idempotency-Key"] = idem if isinstance(idem, str) else str(uuid.uuid4())
        try:
            conn.request(method, f"/api/v1{path}", None if body is None else json.dumps(body),
                         headers)  # fmt: skip
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        return resp.status, json.loads(raw) if raw else None

    def customer(self, uid: str | None = None, **fields: Any) -> str:
        """A customer row (master data is not under test here) with an API-registered card."""
        values = {
            "customer_number": next(_numbers),
            "type": "individual",
            "display_name": "Jürgen Groß",
            "last_name": "Groß",
            "created_at": "2026-01-01T00:00:00Z",
            "created_by": "test",
            "updated_at": "2026-01-01T00:00:00Z",
            "updated_by": "test",
        }
        values.update(fields)
        cols, marks = ", ".join(values), ", ".join("?" for _ in values)
        cid = str(
            self.box.db.write(
                lambda c: (
                    c.execute(
                        f"INSERT INTO customers ({cols}) VALUES ({marks})", list(values.values())
                    ).lastrowid
                )
            )
        )
        if uid is not None:
            status, body = self.request("POST", f"/customers/{cid}/cards", {"uid": uid})
            assert status == 201, body
        return cid

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.server.stop()
        self.thread.join(5)
        self.box.close()


class SSEClient:
    """``GET /api/v1/events`` over a real socket, parsed into (id, name, data)."""

    def __init__(
        self, port: int, token: str, *, query: str = "", last_event_id: str | None = None
    ) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.conn.request("GET", f"/api/v1/events{query}", headers=headers)
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200, self.resp.read()
        self.events: list[tuple[float, str, str, dict[str, Any]]] = []
        self.connected = threading.Event()
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self.connected.wait(5), "SSE stream did not start"

    def _read(self) -> None:
        fields: dict[str, str] = {}
        fp = self.resp.fp  # close() sets resp.fp to None under this thread
        try:
            while True:
                line = fp.readline()
                if not line:
                    return
                text = line.decode("utf-8").rstrip("\r\n")
                if text == ": connected":
                    self.connected.set()
                if text == "":
                    if "event" in fields:
                        item = (time.monotonic(), fields.get("id", ""), fields["event"],
                                json.loads(fields.get("data", "{}")))  # fmt: skip
                        with self._cond:
                            self.events.append(item)
                            self._cond.notify_all()
                    fields = {}
                elif not text.startswith(":") and ":" in text:
                    key, _, value = text.partition(":")
                    fields[key] = value.lstrip(" ")
        except (OSError, ValueError, AttributeError):
            return

    def named(self, name: str) -> list[dict[str, Any]]:
        with self._cond:
            return [e[3] for e in self.events if e[2] == name]

    def wait_for(
        self,
        predicate: Callable[[str, dict[str, Any]], bool],
        timeout: float = 5.0,
        *,
        start: int = 0,
    ) -> tuple[float, str, str, dict[str, Any]]:
        """The first event (from index ``start``) matching; (time parsed, id, name, data)."""
        with self._cond:
            found: list[Any] = []

            def match() -> bool:
                found[:] = [e for e in self.events[start:] if predicate(e[2], e[3])]
                return bool(found)

            assert self._cond.wait_for(match, timeout), f"no matching event: {self.events}"
            return found[0]  # type: ignore[no-any-return]

    def close(self) -> None:
        # Shut the socket down first: the reader thread sits in readline()
        # holding the buffer's lock, which a plain close() would wait for.
        sock = self.conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        self.resp.close()
        self.conn.close()


class TcpPrinter(NetworkPrinter):
    """The network printer as the service tests see it: receipts only."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(port, receipts_only=True)
