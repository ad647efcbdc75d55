"""Serve the app with granian, embedded in the ``tilledge serve`` process.

granian does the sockets, TLS and HTTP/1 parsing in Rust on its own event
loop (tokio), so a TLS handshake that never finishes, a client that sends its
headers one byte a minute or an idle keep-alive costs a file descriptor and a
few KiB, never a Python thread; Python runs only for complete requests. It is
the same server that serves the port with ``server.workers > 1``
(edge/serving/workers.py), so the box has one server stack in every mode,
and it is actively maintained. The app is ASGI (edge/serving/front.py):
Flask in a bounded thread pool, event streams as coroutines.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from flask import Flask
from granian._granian import SocketHolder
from granian.constants import HTTPModes, Interfaces, SSLProtocols
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server.embed import Server as EmbeddedGranian
from werkzeug.wsgi import FileWrapper

from edge.platform.config import is_loopback_host
from edge.serving.front import Front
from edge.serving.streams import StreamHub

log = logging.getLogger(__name__)

BACKLOG = 1024


class _Granian(EmbeddedGranian):
    """Embedded granian on a socket bound (and listening) by :meth:`Server.prepare`."""

    listener_fd: int | None = None

    def _init_shared_socket(self) -> None:
        if self.listener_fd is None:
            super()._init_shared_socket()  # a Unix socket: granian binds it
            return
        self._ssp = None
        self._shd = SocketHolder(self.listener_fd, False, self.backlog)
        self._sfd = self.listener_fd


def split_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    return host.strip("[]"), int(port)


is_loopback = is_loopback_host  # one rule for every "loopback only"


def sd_notify(message: str) -> None:
    """Tell systemd (Type=notify) about our state; a no-op outside systemd."""
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.connect(addr)
        s.sendall(message.encode())


class ConcurrencyLimit:
    """WSGI middleware: at most ``limit`` requests run Python code at once.

    Every thread of a CPython process shares one GIL; thirty request threads
    fighting for it make each request slower than a handful working in turn
    (measured: 850 vs 690 money operations/s on 2 cores). Streams
    (the SSE event stream) are exempt: they sleep most of the time, and each
    holds a server thread for its whole life, so the thread pool stays large
    while the work in flight stays small. Responses inside the limit are
    buffered, so a slow client never holds a slot; file downloads are
    handed to the server unbuffered (memory stays flat whatever the size).
    """

    def __init__(self, app: Any, limit: int, *, stream_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)
        self._local = threading.local()
        self.stream_paths = stream_paths

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """Give the slot back while this request waits for a durable commit:
        the limit is for Python work, and group commit needs many requests
        waiting at once to share one fsync."""
        if not getattr(self._local, "holding", False):
            yield
            return
        self._slots.release()
        self._local.holding = False
        try:
            yield
        finally:
            self._slots.acquire()
            self._local.holding = True

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "") in self.stream_paths:
            return self.app(environ, start_response)
        self._slots.acquire()
        self._local.holding = True
        try:
            result = self.app(environ, start_response)
            if isinstance(result, FileWrapper):
                # A file download (send_file): the Python work is done and a
                # 30 MB export read into one bytes object would be 30 MB of
                # RSS; the server thread streams it block by block instead.
                return result
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        finally:
            self._local.holding = False
            self._slots.release()


class Server:
    """granian on ``host:port`` (or a Unix socket), SIGTERM/SIGINT stop it cleanly."""

    def __init__(
        self,
        app: Flask,
        host: str,
        port: int,
        *,
        threads: int = 32,
        active_requests: int = 0,
        cert: tuple[Path, Path] | None = None,
        unix_socket: str | None = None,
        outer: Callable[[Any], Any] | None = None,
        header_timeout: float = 10.0,
        streams_per_token: int = 8,
        streams_total: int = 1000,
    ) -> None:
        """``cert``: certificate and PKCS#8 key files (TLS). ``unix_socket``:
        listen there instead of host:port (the primary behind API workers,
        edge/serving/workers.py); ``outer`` wraps the WSGI app outside the
        concurrency limit."""
        self.app = app
        self.host, self.port, self.cert, self.unix_socket = host, port, cert, unix_socket
        self.header_timeout = header_timeout
        box = app.extensions["tilledge"]
        wsgi_app: Any = app
        if active_requests:
            limit = ConcurrencyLimit(app, active_requests, stream_paths=("/api/v1/events",))
            box.db.writer.waiting = limit.waiting
            wsgi_app = limit
        if outer is not None:
            wsgi_app = outer(wsgi_app)
        self.hub = StreamHub(
            box.services["events"], box.db, per_token=streams_per_token, total=streams_total
        )
        self.front = Front(wsgi_app, self.hub, threads=threads)
        self._granian: EmbeddedGranian | None = None
        self._listener_fd: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped = threading.Event()
        # Run once the port answers, before READY=1 (the API workers' start).
        self.after_listen: list[Callable[[], None]] = []
        # Run before the server stops: the event bus closes, so open streams end.
        self.on_stop: list[Callable[[], None]] = []
        self.failure: str | None = None

    @property
    def bound_port(self) -> int:
        return self.port

    def prepare(self) -> None:
        """Fail now (OSError) if the address cannot be bound; pick a port for ``:0``."""
        raise_nofile_limit()
        if self.unix_socket:
            with suppress(FileNotFoundError):
                os.unlink(self.unix_socket)  # a stale socket of a killed primary
            return
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, self.port))
            # Listening from here on: a client connecting before the loop runs
            # waits in the backlog instead of being refused.
            listener.listen(BACKLOG)
        except OSError:
            listener.close()
            raise
        self.port = int(listener.getsockname()[1])
        self._listener_fd = listener.detach()  # granian owns it now

    def serve_forever(self) -> None:
        # The single DB writer releases the GIL on every SQLite call and must
        # win it back from the request threads; with CPython's default 5 ms
        # switch interval each of those hand-backs can stall the whole write
        # pipeline (a convoy). A 0.5 ms interval keeps it moving.
        sys.setswitchinterval(0.0005)
        asyncio.run(self._serve())
        if self.failure:
            raise RuntimeError(self.failure)

    async def _serve(self) -> None:
        self._loop = loop = asyncio.get_running_loop()
        self.hub.start(loop)
        granian = _Granian(
            self.front,
            address=self.host or "0.0.0.0",
            port=self.port,
            uds=Path(self.unix_socket) if self.unix_socket else None,
            interface=Interfaces.ASGINL,
            http=HTTPModes.http1,  # terminals speak HTTP/1.1; no HTTP/2 surface
            websockets=False,
            backlog=BACKLOG,
            http1_settings=HTTP1Settings(header_read_timeout=int(self.header_timeout * 1000)),
            log_level=LogLevels.error,
            ssl_cert=self.cert[0] if self.cert else None,
            ssl_key=self.cert[1] if self.cert else None,
            ssl_protocol_min=SSLProtocols.tls12,
        )
        granian.listener_fd = self._listener_fd
        self._granian = granian
        granian.on_startup(lambda: loop.create_task(self._ready()))
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self._signalled, sig)
        await granian.serve()

    def _signalled(self, signum: int) -> None:
        log.info("signal %s: stopping", signum)
        self.stop()

    async def _ready(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self._wait_listening)
            for fn in self.after_listen:
                await loop.run_in_executor(None, fn)
        except Exception as e:
            self.failure = str(e)
            self.stop()
            return
        sd_notify("READY=1")

    def _wait_listening(self, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if self.unix_socket:
                    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                        s.connect(self.unix_socket)
                else:
                    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(
                        self.host, self.host
                    )
                    socket.create_connection((host, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"granian did not listen on {self.unix_socket or self.port}")

    def stop(self) -> None:
        """Stop serving (any thread; idempotent)."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        sd_notify("STOPPING=1")
        for fn in self.on_stop:
            try:
                fn()
            except Exception:
                log.exception("while stopping")
        loop, granian = self._loop, self._granian
        if loop is not None and granian is not None:
            with suppress(RuntimeError):  # the loop is gone already
                loop.call_soon_threadsafe(granian.stop)


def raise_nofile_limit() -> None:
    """Every connection is a file descriptor: lift the soft limit to the hard one
    (1,024 by default outside systemd; the unit sets its own)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = 1 << 20 if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        with suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
