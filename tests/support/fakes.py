"""Stand-ins for till hardware and small waits, shared by the driver tests
(``tests/drivers``) and the service tests (``tests/devices``, ``tests/money``):
a pty as the display's serial port, a TCP listener as a network printer, and
a look at which processes are still serving. Tests wait on conditions with a
deadline, never on a fixed sleep."""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CUT = b"\x1dV\x00"
DLE_EOT_PAPER = b"\x10\x04\x04"
PAPER_OK, PAPER_END = b"\x12", b"\x72"


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.005) -> Any:
    """Poll ``predicate`` until truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {predicate}")
        time.sleep(interval)


class Pty:
    """A pseudo terminal as the display's serial port, reached through a stable
    symlink (like udev's /dev/tilledge-display). Records every byte it gets."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master, self.slave = os.openpty()
        link.unlink(missing_ok=True)
        link.symlink_to(os.ttyname(self.slave))
        self.data = bytearray()
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                return
            if not chunk:
                return
            with self._cond:
                self.data += chunk
                self._cond.notify_all()

    def wait_for(self, expected: bytes, timeout: float = 5.0) -> bytes:
        """Wait until as many bytes as ``expected`` arrived; return them all."""
        with self._cond:
            ok = self._cond.wait_for(lambda: len(self.data) >= len(expected), timeout)
            assert ok, f"got {bytes(self.data)!r}, want {expected!r}"
            return bytes(self.data)

    def wait_endswith(self, suffix: bytes, timeout: float = 5.0) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: self.data.endswith(suffix), timeout)
            assert ok, f"got {bytes(self.data)!r}, want it to end with {suffix!r}"

    def wait_contains(self, needle: bytes, timeout: float = 5.0, start: int = 0) -> float:
        """Wait until ``needle`` arrived (after offset ``start``); returns the time seen."""
        with self._cond:
            ok = self._cond.wait_for(lambda: needle in self.data[start:], timeout)
            assert ok, f"got {bytes(self.data[start:])!r}, want {needle!r} in it"
            return time.monotonic()

    def take(self) -> None:
        with self._cond:
            self.data.clear()

    def unplug(self) -> None:
        self.link.unlink(missing_ok=True)
        os.close(self.master)
        os.close(self.slave)
        self._thread.join(2)

    def close(self) -> None:
        self.link.unlink(missing_ok=True)
        for fd in (self.slave, self.master):
            with contextlib.suppress(OSError):
                os.close(fd)


class NetworkPrinter:
    """A network printer on 127.0.0.1:<port> that keeps one record per connection.

    It answers the real-time status queries ``DLE EOT 1/2/4`` as an Epson
    printer does for ``paper`` (``PAPER_OK`` or ``PAPER_END``: then also
    offline, stopped by paper end), unless ``answer_status`` is off.
    ``mode`` says how it treats a connection, switchable while it runs:

    * ``"good"`` reads everything until the client closes;
    * ``"stall"`` accepts and never reads (its receive buffer is shrunk, so a
      big job fills the socket buffers and the client's writes time out);
    * ``"close"`` reads ``close_after`` bytes, then resets the connection.

    ``receipts_only``: keep only connections that carried a receipt (end with
    a cut), without the status queries, as the service tests count receipts.
    """

    def __init__(self, port: int = 0, *, receipts_only: bool = False) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Inherited by accepted sockets: a stalled printer holds little.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])
        self.receipts_only = receipts_only
        self.paper = PAPER_OK
        self.answer_status = True
        self.mode = "good"
        self.close_after = 2000
        self.jobs: list[bytes] = []
        self.stalled: list[socket.socket] = []  # connections it accepted and never read
        self.cut_off = 0  # connections it reset in the middle
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def uri(self) -> str:
        return f"tcp:127.0.0.1:{self.port}"

    def _answer(self, data: bytearray) -> bytes | None:
        for n, (ok, out) in STATUS_ANSWERS.items():
            if data.endswith(status_query(n)):
                return ok if self.paper == PAPER_OK else out
        return None

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.mode == "stall":
                with self._cond:
                    self.stalled.append(conn)
                    self._cond.notify_all()
                continue
            with conn:
                data = bytearray()
                while True:
                    try:
                        chunk = conn.recv(65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    data += chunk
                    if self.mode == "close" and len(data) >= self.close_after:
                        # SO_LINGER 0: close() sends RST, as a crashing printer does.
                        conn.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                        )
                        with self._cond:
                            self.cut_off += 1
                            self._cond.notify_all()
                        break
                    answer = self._answer(data)
                    if answer is not None and self.answer_status:
                        conn.sendall(answer)
            if self.mode == "close" and len(data) >= self.close_after:
                continue
            job = bytes(data)
            if self.receipts_only:
                job = strip_status(job)
                if not job.endswith(CUT):  # a status probe carries no receipt
                    continue
            with self._cond:
                self.jobs.append(job)
                self._cond.notify_all()

    def wait_jobs(self, n: int, timeout: float = 10.0) -> list[bytes]:
        with self._cond:
            ok = self._cond.wait_for(lambda: len(self.jobs) >= n, timeout)
            assert ok, f"{len(self.jobs)} jobs, want {n}: {self.jobs}"
            return list(self.jobs)

    def wait(self, predicate: Callable[[NetworkPrinter], Any], timeout: float = 10.0) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: predicate(self), timeout), "printer stand-in"

    def recover(self) -> None:
        """Back to a good printer with paper; stalled connections are dropped."""
        with self._cond:
            self.mode, self.paper = "good", PAPER_OK
            held, self.stalled = self.stalled, []
        for conn in held:
            conn.close()

    def close(self) -> None:
        # shutdown() wakes the accept() blocked in the server thread (close alone
        # would leave the port listening until that accept returns).
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(2)
        for conn in self.stalled:
            conn.close()


def status_query(n: int) -> bytes:
    return b"\x10\x04" + bytes([n])


# DLE EOT n → (answer with paper, answer at paper end): paper end makes an
# Epson printer offline (n=1 bit 3), stopped by paper end (n=2 bit 5).
STATUS_ANSWERS = {4: (PAPER_OK, PAPER_END), 1: (b"\x12", b"\x1a"), 2: (b"\x12", b"\x32")}
STATUS_FRAMES = tuple(status_query(n) for n in STATUS_ANSWERS)


def strip_status(job: bytes) -> bytes:
    """A connection's bytes without the status queries before and after the job."""
    changed = True
    while changed:
        changed = False
        for frame in STATUS_FRAMES:
            if job.startswith(frame):
                job, changed = job[len(frame) :], True
            if job.endswith(frame):
                job, changed = job[: -len(frame)], True
    return job


def processes_with(*needles: bytes) -> list[int]:
    """Pids whose command line (NUL-separated arguments) contains any needle."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if any(n in cmdline for n in needles):
                found.append(int(entry.name))
    return found
