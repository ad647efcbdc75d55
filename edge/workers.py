"""API worker processes: more cores for the API (``server.workers``).

CPython runs Python code on one core per process (the GIL), so one process
tops out at one core's worth of requests. With ``workers = N`` the primary
``tilledge serve`` starts N-1 worker processes that listen on the same port
(``SO_REUSEPORT``: the kernel spreads connections over the processes) and
write to the same database (SQLite's lock plus the writer's ``flock``, see
:mod:`edge.db`), so money and customer requests use every core.

Hardware, discovery and the event stream belong to the primary alone: it owns
the devices and publishes their events. A worker serves the API routes that
only need the database itself and hands every other request (event stream,
devices, display, receipts, health, pairing, the staff panel) to the primary
over a Unix socket in the data directory. After a checkout it tells the
primary, which updates the customer display and wakes the printer.

Workers die with the primary (``PR_SET_PDEATHSIG``), and the primary restarts
a worker that exits on its own.
"""

from __future__ import annotations

import ctypes
import http.client
import json
import logging
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# API routes a worker answers itself: everything under /api/v1/ except these,
# which need the primary's devices, event bus or discovery state.
PRIMARY_ONLY = (
    "/api/v1/events",
    "/api/v1/devices",
    "/api/v1/display",
    "/api/v1/receipts",
    "/api/v1/health",
    "/api/v1/pair",
)
AFTER_CHECKOUT = "/_internal/after-checkout"
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-authenticate",
}


def socket_path(data_path: Path) -> Path:
    return data_path / "primary.sock"


def served_by_worker(path: str) -> bool:
    return path.startswith("/api/v1/") and not path.startswith(PRIMARY_ONLY)


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.unix_path)
        self.sock = sock


class PrimaryProxy:
    """Worker side: answer database-only API routes, pass the rest to the primary."""

    def __init__(self, app: Any, primary_socket: Path, *, timeout: float = 3600) -> None:
        self.app = app
        self.primary_socket = str(primary_socket)
        self.timeout = timeout

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if served_by_worker(environ.get("PATH_INFO", "")):
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        return self.forward(environ, start_response)

    def forward(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_") and key[5:].replace("_", "-").lower() not in HOP_BY_HOP
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        if body is None and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = environ["wsgi.input"].read()  # the server de-chunks; send a length
        headers["X-Tilledge-Client"] = environ.get("REMOTE_ADDR", "")
        headers["X-Tilledge-Scheme"] = environ.get("wsgi.url_scheme", "http")
        target = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        conn = _UnixConnection(self.primary_socket, self.timeout)
        try:
            conn.request(environ["REQUEST_METHOD"], target, body=body, headers=headers)
            resp = conn.getresponse()
        except OSError:
            conn.close()
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"the primary process is not reachable\n"]
        start_response(
            f"{resp.status} {resp.reason}",
            [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP],
        )
        return _stream(resp, conn)


def _stream(resp: http.client.HTTPResponse, conn: http.client.HTTPConnection) -> Iterator[bytes]:
    """Relay the body as it arrives (the event stream never ends on its own)."""
    try:
        while True:
            chunk = resp.read1(65536)
            if not chunk:
                return
            yield chunk
    except OSError:
        return
    finally:
        conn.close()


class FromWorkers:
    """Primary side of the Unix socket: restore the client's address and scheme
    (only workers can reach this socket) and take their after-checkout calls."""

    def __init__(self, app: Any, after_checkout: Callable[[dict[str, Any]], None] | None) -> None:
        self.app = app
        self.after_checkout = after_checkout

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["REMOTE_ADDR"] = environ.pop("HTTP_X_TILLEDGE_CLIENT", "") or "127.0.0.1"
        environ["wsgi.url_scheme"] = environ.pop("HTTP_X_TILLEDGE_SCHEME", "http")
        if environ.get("PATH_INFO") == AFTER_CHECKOUT:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            if self.after_checkout is not None:
                self.after_checkout(body)
            start_response("204 No Content", [])
            return []
        return self.app(environ, start_response)  # type: ignore[no-any-return]


class RemoteDevices:
    """Worker side stand-in for the device service: forwards after-checkout
    calls, in order, from one sender thread over one kept-alive connection."""

    def __init__(self, primary_socket: Path) -> None:
        self.primary_socket = str(primary_socket)
        self._queue: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        threading.Thread(target=self._send_loop, name="after-checkout", daemon=True).start()

    def after_checkout(self, body: dict[str, Any]) -> None:
        # The sale is committed; the display and printer are best effort and
        # must not delay the answer to the till.
        self._queue.put(body)

    def _send_loop(self) -> None:
        conn: _UnixConnection | None = None
        while True:
            body = self._queue.get()
            for _attempt in range(2):  # a kept-alive connection may have gone stale
                conn = conn or _UnixConnection(self.primary_socket, 10)
                try:
                    conn.request(
                        "POST",
                        AFTER_CHECKOUT,
                        body=json.dumps(body),
                        headers={"Content-Type": "application/json"},
                    )
                    conn.getresponse().read()
                    break
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = None
            else:
                log.warning(
                    "checkout %s: primary unreachable for display/printer", body.get("checkout_id")
                )


def _die_with_parent() -> None:
    PR_SET_PDEATHSIG = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class WorkerPool:
    """The primary's worker processes: start, watch, restart, stop."""

    def __init__(self, argv: list[str], count: int) -> None:
        self.argv = argv
        self.count = count
        self.procs: list[subprocess.Popen[bytes]] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "edge.cli", *self.argv],
            stdout=subprocess.PIPE,
            preexec_fn=_die_with_parent,  # only prctl(): safe between fork and exec
        )

    def start(self, timeout: float = 60) -> None:
        """Start the workers and wait until each listens (it prints ``ready``)."""
        with self._lock:
            self.procs = [self._spawn() for _ in range(self.count)]
        deadline = time.monotonic() + timeout
        for proc in self.procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() != b"ready" or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("an API worker did not start (see its log above)")
        threading.Thread(target=self._watch, name="worker-watch", daemon=True).start()

    def _watch(self) -> None:
        while not self._stopping.wait(1.0):
            with self._lock:
                for i, proc in enumerate(self.procs):
                    if proc.poll() is not None and not self._stopping.is_set():
                        log.warning("API worker %d exited (%s); restarting", proc.pid, proc.poll())
                        self.procs[i] = self._spawn()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def stop(self, timeout: float = 10) -> None:
        self._stopping.set()
        with self._lock:
            for proc in self.procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            for proc in self.procs:
                try:
                    proc.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
