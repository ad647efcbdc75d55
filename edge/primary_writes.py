"""Money operations of API workers, run by the primary (``server.workers > 1``).

A worker could commit them itself (the writer's ``flock`` in :mod:`edge.db`
makes that safe), but then the processes take turns at the lock: each batch
holds one process's operations only, and SQLite drops a connection's page
cache whenever another process has committed. So a worker validates and
authorises the request, then hands the operation, by name and with plain
data, to the primary, whose one writer groups every terminal's operations
into shared commits and which runs the display and printer follow-ups
itself. Measured in benchmarks/README.md ("One writer").

The wire: a Unix stream socket in the data directory (mode 0600, as
``primary.sock``), one kept-open connection per worker thread, each message
a 4-byte big-endian length and a JSON object.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import socketserver
import struct
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .api.idempotency import IdemKey, Outcome
from .api.problems import ApiError
from .box import Box
from .money.service import Actor

log = logging.getLogger(__name__)

_LENGTH = struct.Struct("!I")
MAX_MESSAGE = 16 * 1024 * 1024


def socket_path(data_path: Path) -> Path:
    return data_path / "writes.sock"


def _send(sock: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message, separators=(",", ":")).encode()
    sock.sendall(_LENGTH.pack(len(data)) + data)


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None  # the other side closed
        buf += chunk
    return bytes(buf)


def _recv(sock: socket.socket) -> dict[str, Any] | None:
    head = _recv_exact(sock, _LENGTH.size)
    if head is None:
        return None
    (length,) = _LENGTH.unpack(head)
    if length > MAX_MESSAGE:
        raise ConnectionError(f"message of {length} bytes")
    data = _recv_exact(sock, length)
    if data is None:
        raise ConnectionError("closed in the middle of a message")
    message = json.loads(data)
    if not isinstance(message, dict):
        raise ConnectionError("not a JSON object")
    return message


# ----------------------------------------------------------- primary side --


class _Connection(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        while True:
            try:
                message = _recv(self.request)
            except ConnectionResetError:
                return  # a worker exited (granian restarts it, or we stop)
            except (OSError, ValueError) as e:
                log.warning("a worker's write connection broke: %s", e)
                return
            if message is None:
                return
            try:
                _send(self.request, self.server.answer(message))
            except OSError:  # the worker exited meanwhile; its terminal retries
                return


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True  # a worker's idle connection must not hold up shutdown
    # Every worker thread dials in at its first money request, often all at
    # once; with socketserver's default backlog of 5 a Unix connect() then
    # fails with EAGAIN instead of waiting.
    request_queue_size = 512

    def __init__(self, box: Box, path: Path) -> None:
        self.box = box
        super().__init__(str(path), _Connection)

    def answer(self, message: dict[str, Any]) -> dict[str, Any]:
        from .api.money import run_operation  # the routes import this module's peers

        try:
            key = IdemKey(*message["key"]) if message.get("key") else None
            actor = Actor(*message["actor"])
            outcome = run_operation(self.box, key, message["op"], actor, message["args"])
        except ApiError as err:
            outcome = Outcome.of_problem(err)
        except Exception:
            log.exception("operation %r from a worker failed", message.get("op"))
            return {"failed": True}
        return asdict(outcome)


class WritesServer:
    """The primary's end: runs what workers send in this process's writer."""

    def __init__(self, box: Box, path: Path) -> None:
        self.path = path
        path.unlink(missing_ok=True)  # left by a killed predecessor
        self._server = _Server(box, path)
        os.chmod(path, 0o600)  # only this service's user may write money
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="worker-writes", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.path.unlink(missing_ok=True)


# ------------------------------------------------------------ worker side --


class PrimaryWrites:
    """A worker's end: :meth:`run` is ``edge.api.money.run_operation`` in the primary."""

    def __init__(self, path: Path, *, timeout: float = 120) -> None:
        self.path = str(path)
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> socket.socket:
        sock: socket.socket | None = getattr(self._local, "sock", None)
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(self.path)
            except OSError:
                sock.close()
                raise
            self._local.sock = sock
        return sock

    def _drop(self) -> None:
        sock = getattr(self._local, "sock", None)
        if sock is not None:
            sock.close()
            self._local.sock = None

    def run(self, key: IdemKey | None, name: str, actor: Actor, args: tuple[Any, ...]) -> Outcome:
        message = {
            "op": name,
            "key": [key.scope, key.key, key.request_hash] if key is not None else None,
            "actor": [actor.name, actor.at],
            "args": [a.model_dump(mode="json") if isinstance(a, BaseModel) else a for a in args],
        }
        reply = None
        # A connection that broke (the primary restarted its socket) is
        # redialled once. Sending again is safe even if the first attempt was
        # committed: money operations carry their Idempotency-Key.
        for _attempt in range(2):
            try:
                sock = self._connection()
                _send(sock, message)
                reply = _recv(sock)
            except TimeoutError:
                log.warning("operation %s: no answer from the primary in %s s", name, self.timeout)
                self._drop()
                break
            except (OSError, ValueError) as e:
                log.warning("operation %s: primary connection: %r", name, e)
                self._drop()
                continue
            if reply is not None:
                break
            self._drop()
        if reply is None or reply.get("failed"):
            raise ApiError(
                503,
                "unavailable",
                "the operation could not be confirmed: send it again with the same Idempotency-Key",
                headers={"Retry-After": "1"},
            )
        return Outcome(**reply)
