"""Run the app under cheroot, a threaded production WSGI server.

cheroot was chosen over waitress because it serves TLS itself (a box speaks
HTTPS on the LAN) and streams responses chunk by chunk, which the SSE event
stream needs; it is the server of CherryPy, maintained for two decades.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from cheroot import wsgi
from flask import Flask

from edge.platform.config import is_loopback_host

log = logging.getLogger(__name__)


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
    buffered, so a slow client never holds a slot.
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
    """A cheroot server with clean shutdown on SIGTERM/SIGINT."""

    def __init__(
        self,
        app: Flask,
        host: str,
        port: int,
        *,
        threads: int = 32,
        active_requests: int = 0,
        ssl_adapter: Any = None,
        unix_socket: str | None = None,
        outer: Callable[[Any], Any] | None = None,
    ) -> None:
        """``unix_socket``: listen there instead of host:port (the primary behind
        API workers, edge/workers.py); ``outer`` wraps the WSGI app outside the
        concurrency limit."""
        self.app = app
        wsgi_app: Any = app
        if active_requests:
            limit = ConcurrencyLimit(app, active_requests, stream_paths=("/api/v1/events",))
            box = app.extensions.get("tilledge")
            if box is not None:
                box.db.writer.waiting = limit.waiting
            wsgi_app = limit
        if outer is not None:
            wsgi_app = outer(wsgi_app)
        self.server = wsgi.Server(
            unix_socket or (host, port),
            wsgi_app,
            numthreads=threads,
            server_name="tilledge",
            request_queue_size=256,
            shutdown_timeout=2,
        )
        if ssl_adapter is not None:
            self.server.ssl_adapter = ssl_adapter
        self._stopped = threading.Event()
        # Run before the server stops: wake long-lived streams (SSE) so their
        # worker threads finish instead of holding shutdown up.
        self.on_stop: list[Callable[[], None]] = []

    @property
    def bound_port(self) -> int:
        return int(self.server.bind_addr[1])

    def prepare(self) -> None:
        self.server.prepare()

    def serve_forever(self) -> None:
        # The single DB writer releases the GIL on every SQLite call and must
        # win it back from dozens of request threads; with CPython's default
        # 5 ms switch interval each of those hand-backs can stall the whole
        # write pipeline (a convoy). A 0.5 ms interval keeps it moving.
        sys.setswitchinterval(0.0005)

        def stop(signum: int, _frame: Any) -> None:
            log.info("signal %s: stopping", signum)
            # stop() joins the serving loop, which runs in this very thread:
            # hand it to another thread so the handler returns.
            threading.Thread(target=self.stop, name="stopper").start()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        sd_notify("READY=1")
        self.server.serve()

    def stop(self) -> None:
        if not self._stopped.is_set():
            self._stopped.set()
            sd_notify("STOPPING=1")
            for fn in self.on_stop:
                fn()
            self.server.stop()
