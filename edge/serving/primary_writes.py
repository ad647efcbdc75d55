"""Money operations of API workers, run by the primary (``server.workers > 1``).

A worker could commit them itself (the writer's ``flock`` in :mod:`edge.platform.db`
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
import selectors
import socket
import struct
import threading
from contextlib import suppress
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from edge.api.idempotency import IdemKey, Outcome, of_problem
from edge.api.problems import ApiError
from edge.errors import DomainError, Unavailable
from edge.platform.actor import Actor
from edge.platform.box import Box

log = logging.getLogger(__name__)

_LENGTH = struct.Struct("!I")
MAX_MESSAGE = 16 * 1024 * 1024


def socket_path(data_path: Path) -> Path:
    return data_path / "writes.sock"


def _frame(message: dict[str, Any]) -> bytes:
    data = json.dumps(message, separators=(",", ":")).encode()
    return _LENGTH.pack(len(data)) + data


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None  # the other side closed
        buf += chunk
    return bytes(buf)


def _length(head: bytes | bytearray) -> int:
    (length,) = _LENGTH.unpack_from(head)
    if length > MAX_MESSAGE:
        raise ValueError(f"message of {length} bytes")
    return int(length)


def _decode(data: bytes | bytearray) -> dict[str, Any]:
    message = json.loads(data)
    if not isinstance(message, dict):
        raise ValueError("not a JSON object")
    return message


def _recv(sock: socket.socket) -> dict[str, Any] | None:
    head = _recv_exact(sock, _LENGTH.size)
    if head is None:
        return None
    data = _recv_exact(sock, _length(head))
    if data is None:
        raise ConnectionError("closed in the middle of a message")
    return _decode(data)


# ----------------------------------------------------------- primary side --


class _Peer:
    """One worker thread's connection: bytes received, not yet a whole message."""

    __slots__ = ("buf", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()

    def messages(self) -> list[dict[str, Any]]:
        out = []
        while len(self.buf) >= _LENGTH.size:
            end = _LENGTH.size + _length(self.buf)
            if len(self.buf) < end:
                break
            out.append(_decode(self.buf[_LENGTH.size : end]))
            del self.buf[:end]
        return out


class WritesServer:
    """The primary's end: one thread reads whatever the workers have sent,
    runs it as one batch in this process's writer, and answers each.

    One thread rather than one per connection: sixty-four threads taking
    turns at the GIL cost the primary more CPU than the operations themselves.
    Whatever arrives while a batch commits waits in its socket and makes up
    the next batch.
    """

    def __init__(self, box: Box, path: Path) -> None:
        self.box = box
        self.path = path
        path.unlink(missing_ok=True)  # left by a killed predecessor
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(path))
        os.chmod(path, 0o600)  # only this service's user may write money
        # Every worker thread dials in at its first money request, often all
        # at once; a small backlog refuses the rest (EAGAIN on a Unix socket).
        self._listener.listen(512)
        self._listener.setblocking(False)
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="worker-writes", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if not self._stopping:
            self._stopping = True
            self._wake_w.send(b"x")
            self._thread.join(10)
            for key in list(self._selector.get_map().values()):
                key.fileobj.close()  # type: ignore[union-attr]
            self._selector.close()
            self._wake_w.close()
            self.path.unlink(missing_ok=True)

    def _loop(self) -> None:
        while not self._stopping:
            batch: list[tuple[_Peer, dict[str, Any]]] = []
            for key, _ in self._selector.select():
                if key.fileobj is self._listener:
                    self._accept()
                elif key.fileobj is self._wake_r:
                    return
                else:
                    batch += [(key.data, m) for m in self._read(key.data)]
            if batch:
                try:
                    answers = self._run(batch)
                except Exception:  # never lose the loop: every worker depends on it
                    log.exception("a batch of %d operations from workers failed", len(batch))
                    answers = [{"failed": True}] * len(batch)
                for (peer, _), answer in zip(batch, answers, strict=True):
                    self._answer(peer, answer)

    def _accept(self) -> None:
        # Take every connection already waiting; BlockingIOError: none left.
        with suppress(BlockingIOError):
            while True:
                sock, _ = self._listener.accept()
                sock.setblocking(False)
                self._selector.register(sock, selectors.EVENT_READ, _Peer(sock))

    def _close(self, peer: _Peer) -> None:
        with suppress(KeyError, ValueError):
            self._selector.unregister(peer.sock)
        peer.sock.close()

    def _read(self, peer: _Peer) -> list[dict[str, Any]]:
        try:
            data = peer.sock.recv(1 << 16)
        except BlockingIOError:
            return []
        except OSError:  # a worker exited (granian restarts it, or we stop)
            data = b""
        if not data:
            self._close(peer)
            return []
        peer.buf += data
        try:
            return peer.messages()
        except ValueError as e:
            log.warning("a worker's write connection sent garbage: %s", e)
            self._close(peer)
            return []

    def _run(self, batch: list[tuple[_Peer, dict[str, Any]]]) -> list[dict[str, Any]]:
        from edge.api.idempotency import PROBLEMS
        from edge.money.operations import Booking, operation_txn, settle_operation

        box = self.box
        answers: list[dict[str, Any] | None] = [None] * len(batch)
        txns, where = [], []
        for i, (_, m) in enumerate(batch):
            try:
                key = IdemKey(*m["key"]) if m.get("key") else None
                booking = Booking(key, m["op"], Actor(*m["actor"]), m["args"])
                txns.append(operation_txn(box, booking, PROBLEMS))
                where.append((i, key, m["op"]))
            except (KeyError, TypeError, ValueError):
                log.warning("refused a malformed operation %r from a worker", m.get("op"))
                answers[i] = {"failed": True}
        for (i, key, name), (committed, error) in zip(
            where, box.db.writer.submit_all(txns), strict=True
        ):
            try:
                if error is not None:
                    raise error
                outcome = settle_operation(box, key, name, committed)
            except (DomainError, ApiError) as err:
                outcome = of_problem(err)
            except Exception:
                log.exception("operation %r from a worker failed", name)
                answers[i] = {"failed": True}
                continue
            answers[i] = asdict(outcome)
        return [a or {"failed": True} for a in answers]

    def _answer(self, peer: _Peer, answer: dict[str, Any]) -> None:
        if peer.sock.fileno() < 0:
            return  # closed meanwhile: its terminal retries with the key
        data = _frame(answer)
        try:
            sent = peer.sock.send(data)  # a reply fits the socket buffer: one call
            if sent < len(data):
                peer.sock.settimeout(5)
                peer.sock.sendall(data[sent:])
                peer.sock.setblocking(False)
        except OSError:
            self._close(peer)


# ------------------------------------------------------------ worker side --


class PrimaryWrites:
    """A worker's end: :meth:`run` is ``edge.money.operations.submit`` in the primary."""

    def __init__(self, path: Path, *, timeout: float = 120) -> None:
        self.path = str(path)
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> socket.socket:
        sock: socket.socket | None = getattr(self._local, "sock", None)
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.path)
            except OSError:
                sock.close()
                raise
            # A kernel timeout on a blocking socket, not settimeout(): Python
            # would poll() before every send and receive.
            seconds = int(self.timeout)
            timeval = struct.pack("ll", seconds, int((self.timeout - seconds) * 1e6))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
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
        # committed, but only with an Idempotency-Key (money routes need one).
        for _attempt in range(2 if key is not None else 1):
            try:
                sock = self._connection()
                sock.sendall(_frame(message))
                reply = _recv(sock)
            except BlockingIOError:  # SO_RCVTIMEO: EAGAIN
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
            raise Unavailable(
                "the operation could not be confirmed: send it again with the same Idempotency-Key"
            )
        return Outcome(**reply)
