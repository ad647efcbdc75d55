"""API worker processes: more cores for the API (``server.workers``).

CPython runs Python code on one core per process (the GIL), so one process
tops out at one core's worth of requests. With ``workers = N > 1`` the port is
served by granian's N worker processes (the same server and ASGI front as
with one process, edge/serving/server.py) running the API; they write to the
same database (SQLite's lock plus the writer's ``flock``, see
:mod:`edge.platform.db`).

Hardware, discovery and the event stream belong to the ``tilledge serve``
process itself (the primary): it owns the devices and publishes their events,
and with workers it listens only on a Unix socket in the data directory. A
worker serves the API routes that need only the database and relays every other
request (event stream, devices, display, receipts, health, pairing, the staff
panel) to the primary over that socket; event streams through an async relay
(:mod:`edge.serving.stream_relay`), so they hold no worker thread. Money
operations it validates and then hands to the primary to commit
(:mod:`edge.serving.primary_writes`), which also updates the customer display
and wakes the printer after a checkout.

Everything dies with the primary (``PR_SET_PDEATHSIG``, a ``kill -9``
included); granian restarts a worker that exits on its own.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import http.client
import logging
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from a2wsgi import WSGIMiddleware

from edge.serving import stream_relay
from edge.serving.front import coroutine_receive

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
    (only workers can reach this socket)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["REMOTE_ADDR"] = environ.pop("HTTP_X_TILLEDGE_CLIENT", "") or "127.0.0.1"
        environ["wsgi.url_scheme"] = environ.pop("HTTP_X_TILLEDGE_SCHEME", "http")
        return self.app(environ, start_response)  # type: ignore[no-any-return]


def _die_with_parent(parent: int | None = None) -> None:
    """SIGKILL this process when its parent dies, and exit now if it already
    has: a parent killed between fork and prctl() would send no signal."""
    PR_SET_PDEATHSIG = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    ppid = os.getppid()
    if ppid == 1 or (parent is not None and ppid != parent):
        os._exit(1)


WORKER_TLS_ENV = "TE_WORKER_TLS"  # not TILLEDGE_*: those are config overrides


def worker_app() -> Any:
    """granian's factory, run in each worker process: the API with the relay."""
    from edge.platform.box import Box
    from edge.platform.config import load_config  # TILLEDGE_CONFIG and overrides as the primary's
    from edge.security import tls
    from edge.serving import primary_writes
    from edge.serving.app import create_app

    _die_with_parent()  # granian's master dies with the primary; workers with it
    config = load_config()
    box = Box.open(config, migrate=False)  # the primary migrated; it also checkpoints
    atexit.register(box.close)
    sock = socket_path(config.data_path)
    if os.environ.get(WORKER_TLS_ENV) == "on":
        cert = tls.current(config)
        if cert is not None:
            box.services["tls_fingerprint"] = cert.fingerprint
    # Money operations run in the primary, which also updates the display
    # and wakes the printer after a checkout.
    writes = primary_writes.socket_path(config.data_path)
    box.services["primary_writes"] = primary_writes.PrimaryWrites(writes)
    return WorkerFront(
        PrimaryProxy(create_app(box=box), sock), sock, threads=box.config.server.threads
    )


class WorkerFront:
    """ASGI in a worker: event streams relayed on the event loop
    (:mod:`edge.serving.stream_relay`), every other request through a2wsgi."""

    def __init__(self, app: Any, primary_socket: Path, *, threads: int) -> None:
        self.wsgi = WSGIMiddleware(app, workers=threads)
        self.primary_socket = str(primary_socket)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] == stream_relay.STREAM_PATH:
            await stream_relay.relay_stream(scope, receive, send, self.primary_socket)
        else:
            await self.wsgi(scope, coroutine_receive(receive), send)


class GranianFront:
    """The port, served by granian's worker processes (started by the primary)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        workers: int,
        config_path: str | None,
        cert: tuple[Path, Path] | None,
        header_timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.cert = host, port, cert
        self.cmd = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asginl",
            "--factory",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--respawn-failed-workers",
            "--no-ws",
            "--http",
            "1",
            # Slow headers (slowloris) close after this; see edge/serving/server.py.
            "--http1-header-read-timeout",
            str(int(header_timeout * 1000)),
            "--backlog",
            "1024",
            "--log-level",
            "error",
        ]
        if cert is not None:
            self.cmd += ["--ssl-certificate", str(cert[0]), "--ssl-keyfile", str(cert[1])]
            self.cmd += ["--ssl-protocol-min", "tls1.2"]
        self.cmd.append("edge.serving.workers:worker_app")
        self.env = dict(os.environ)
        if config_path:
            self.env["TILLEDGE_CONFIG"] = str(Path(config_path).resolve())
        self.env[WORKER_TLS_ENV] = "on" if cert is not None else "off"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        """Start granian and wait until a worker answers on the port."""
        self.proc = subprocess.Popen(
            self.cmd,
            env=self.env,
            # only prctl() and getppid(): safe between fork and exec
            preexec_fn=functools.partial(_die_with_parent, os.getpid()),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the API workers exited ({self.proc.returncode})")
            if self._answers():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the API workers did not answer on port {self.port}")

    def _answers(self) -> bool:
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        host = "::1" if host == "::" else host
        conn: http.client.HTTPConnection
        if self.cert is not None:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE  # our own certificate, on our own box
            conn = http.client.HTTPSConnection(host, self.port, timeout=2, context=ctx)
        else:
            conn = http.client.HTTPConnection(host, self.port, timeout=2)
        try:
            conn.request("GET", "/api/v1/openapi.json")  # answered by a worker itself
            return conn.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def stop(self, timeout: float = 10) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
