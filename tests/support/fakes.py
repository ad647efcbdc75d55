"""Stand-ins for till hardware and small waits, shared by the driver tests
(``tests/drivers``) and the service tests (``tests/devices``, ``tests/money``):
a pty as the display's serial port, a TCP listener as a network printer, and
a look at which processes are still serving. Tests wait on conditions with a
deadline, never on a fixed sleep."""

from __future__ import annotations

import contextlib
import os
import socket
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
    """A network printer on 127.0.0.1:<port>: answers DLE EOT 4 with ``paper``
    (unless ``answer_status`` is off) and keeps one record per connection.

    ``receipts_only``: keep only connections that carried a receipt (end with a
    cut), without the status probes, as the service tests count receipts.
    """

    def __init__(self, port: int = 0, *, receipts_only: bool = False) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])
        self.receipts_only = receipts_only
        self.paper = PAPER_OK
        self.answer_status = True
        self.jobs: list[bytes] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def uri(self) -> str:
        return f"tcp:127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
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
                    if data.endswith(DLE_EOT_PAPER) and self.answer_status:
                        conn.sendall(self.paper)
            job = bytes(data)
            if self.receipts_only:
                job = job.replace(DLE_EOT_PAPER, b"")
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

    def close(self) -> None:
        # shutdown() wakes the accept() blocked in the server thread (close alone
        # would leave the port listening until that accept returns).
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(2)


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
