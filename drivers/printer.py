"""Receipt printer over python-escpos, plus a simulated printer.

Device URIs (``[devices.printer] uri``):

* ``tcp:HOST:PORT`` — network printer, raw port 9100 (escpos ``Network``)
* ``usb:VID:PID`` — hex ids, e.g. ``usb:04b8:0202`` (escpos ``Usb``, needs pyusb + libusb)
* ``serial:/dev/ttyS0`` or ``serial:/dev/ttyUSB0:19200`` (escpos ``Serial``)
* ``file:/dev/usb/lp0`` — a character device or plain file (escpos ``File``)
* ``sim:DIR`` — writes every job as ``.txt`` + ``.png`` (+ raw ``.escpos``) into DIR
* ``dummy:`` — keeps the bytes in memory (escpos ``Dummy``)

A job is rendered to ESC/POS bytes first (:mod:`drivers.receipt_render`:
escpos ``Dummy`` with the configured profile and code page), then sent over
a connection opened for that job only: a printer that was power-cycled
between jobs is simply reconnected. Network jobs are sent in chunks with a
write timeout (``timeout``: a printer that takes no byte for that long is
``stalled``). Where the printer answers the real-time status query
(:mod:`drivers.printer_status`, ``status_query`` ``auto|on|off``), it is
asked before the job (paper out: nothing is sent) and after it: only an
"online with paper" answer after the last byte makes the job printed.
Every library/socket error is wrapped here into :class:`PrinterOffline`
(:class:`PrinterStalled`, :class:`PrinterDisconnected`), :class:`PaperOut`
or :class:`PrinterError`, each with its ``state``, so the caller's outbox
can decide to retry. Delivery is at-least-once: a connection that breaks in
the middle of a job raises :class:`PrinterDisconnected` although part of the
receipt may be on paper.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import serial
from escpos import exceptions as escpos_errors
from escpos.escpos import Escpos
from escpos.printer import File, Network

from drivers.codepages import fold
from drivers.device import ERROR, OFFLINE, OK, Device, StateCallback
from drivers.printer_status import (
    OFFLINE_CAUSE,
    PAPER_SENSOR,
    PRINTER_STATUS,
    Verdict,
    judge,
    query,
)
from drivers.receipt_render import CODECS, render_escpos, render_png
from drivers.receipts import Document

__all__ = [
    "PaperOut",
    "PrinterDisconnected",
    "PrinterError",
    "PrinterOffline",
    "PrinterStalled",
    "PrinterURI",
    "ReceiptPrinter",
    "SimulatedPrinter",
    "parse_printer_uri",
    "render_escpos",
    "render_png",
]

PAPER_OUT = "paper_out"
STALLED = "stalled"
DISCONNECTED = "disconnected"
STATUS_QUERY_MODES = ("auto", "on", "off")
_CHUNK = 4096  # bytes per send(): a stall is noticed within one timeout
# The box's own send buffer for a network printer. Bytes in it are not at the
# printer yet; left to autotuning it grows to megabytes and a printer that
# stopped reading would swallow whole receipts unnoticed.
_SEND_BUFFER = 32 * 1024


class PrinterError(Exception):
    """The printer refused or failed the job (retrying may not help)."""

    state = ERROR


class PrinterOffline(PrinterError):
    """Not reachable: refused/reset connection, unplugged, powered off, or
    the printer reports itself offline (cover open). Worth a retry."""

    state = OFFLINE


class PrinterStalled(PrinterOffline):
    """Connected, but the printer stopped taking bytes or answering DLE EOT."""

    state = STALLED


class PrinterDisconnected(PrinterOffline):
    """The printer closed or reset the connection in the middle of a job."""

    state = DISCONNECTED


class PaperOut(PrinterError):
    """The printer reports no paper (DLE EOT 4 / 2)."""

    state = PAPER_OUT


@dataclass(frozen=True)
class PrinterURI:
    kind: str  # tcp | usb | serial | file | sim | dummy
    host: str = ""
    port: int = 0
    vendor: int = 0
    product: int = 0
    path: str = ""
    baudrate: int = 9600


def parse_printer_uri(uri: str, base_dir: str | os.PathLike[str] | None = None) -> PrinterURI:
    """Parse a printer URI; relative ``sim:``/``file:`` paths join ``base_dir``."""
    kind, _, rest = uri.partition(":")
    kind = kind.lower()
    if kind == "tcp":
        host, _, port = rest.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"printer URI {uri!r}: want tcp:HOST:PORT")
        return PrinterURI("tcp", host=host.strip("[]"), port=int(port))
    if kind == "usb":
        vid, _, pid = rest.partition(":")
        try:
            return PrinterURI("usb", vendor=int(vid, 16), product=int(pid, 16))
        except ValueError:
            raise ValueError(f"printer URI {uri!r}: want usb:VID:PID (hex)") from None
    if kind == "serial":
        path, _, baud = rest.rpartition(":")
        if path and baud.isdigit():
            return PrinterURI("serial", path=path, baudrate=int(baud))
        if not rest:
            raise ValueError(f"printer URI {uri!r}: want serial:/dev/ttyX[:BAUD]")
        return PrinterURI("serial", path=rest)
    if kind in ("file", "sim"):
        if kind == "file" and not rest:
            raise ValueError(f"printer URI {uri!r}: want file:PATH")
        folder = Path(rest or ".")
        if not folder.is_absolute() and base_dir is not None:
            folder = Path(base_dir) / folder
        return PrinterURI(kind, path=str(folder))
    if kind == "dummy":
        return PrinterURI("dummy")
    raise ValueError(f"unknown printer URI {uri!r} (tcp:, usb:, serial:, file:, sim:, dummy:)")


class SimulatedPrinter:
    """Writes each job into a folder a person can browse."""

    def __init__(self, folder: str | os.PathLike[str], *, profile: str, codepage: str) -> None:
        self.folder = Path(folder)
        self.profile = profile
        self.codepage = codepage
        self._lock = threading.Lock()
        self._seq = 0

    def write(self, doc: Document) -> list[Path]:
        # Show what the paper will show: the same code-page folding (€ stays
        # €, a glyph the printer lacks becomes its transliteration).
        codec = CODECS[self.codepage.upper()]

        def paper(text: str) -> str:
            return fold(text, codec)

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with self._lock:
                self._seq += 1
                stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{self._seq:04d}-{uuid.uuid4().hex[:6]}"
            stem += f"-{doc.kind}"
            txt = self.folder / f"{stem}.txt"
            png = self.folder / f"{stem}.png"
            raw = self.folder / f"{stem}.escpos"
            png_buffer = io.BytesIO()
            render_png(doc, paper).save(png_buffer, format="PNG")
            payloads = {
                raw: render_escpos(doc, profile=self.profile, codepage=self.codepage),
                png: png_buffer.getvalue(),
                txt: doc.text(paper).encode("utf-8"),  # last: its presence means "job done"
            }
            for path, data in payloads.items():
                # Temp name + rename: a reader never sees half a receipt.
                tmp = path.with_suffix(path.suffix + ".tmp")
                tmp.write_bytes(data)
                os.replace(tmp, path)
        except OSError as exc:
            raise PrinterOffline(f"simulated printer folder {self.folder}: {exc}") from exc
        return [txt, png, raw]

    def status(self) -> str:
        folder = self.folder if self.folder.exists() else self.folder.parent
        return OK if os.access(folder, os.W_OK) else OFFLINE


class ReceiptPrinter(Device):
    """One receipt printer; ``print_job`` is synchronous and thread-safe.

    No thread of its own: every job and every :meth:`status` call updates
    ``state``/``detail`` (and fires ``on_state`` on a change). A job's fault
    (``stalled``, ``disconnected``, ``paper_out``, ``offline``) stays the
    state until a job prints: :meth:`status` seeing the printer reachable
    again only returns ``ok`` (so the caller retries the queue), and
    :meth:`clear_fault` clears it once no job waits.
    """

    kind = "printer"

    def __init__(
        self,
        uri: str,
        *,
        profile: str = "default",
        codepage: str = "CP858",
        timeout: float = 5.0,
        status_query: str = "auto",
        status_timeout: float = 0.5,
        base_dir: str | os.PathLike[str] | None = None,
        name: str = "printer",
        on_state: StateCallback | None = None,
    ) -> None:
        super().__init__(name, on_state)
        if status_query not in STATUS_QUERY_MODES:
            raise ValueError(f"status_query {status_query!r}: want one of {STATUS_QUERY_MODES}")
        self.uri = uri
        self.target = parse_printer_uri(uri, base_dir)
        self.profile = profile
        self.codepage = codepage
        self.timeout = timeout
        self.status_query = status_query
        self.status_timeout = status_timeout
        # "auto": None until the printer answered DLE EOT (True) or stayed
        # silent at the first query (False, remembered: never asked again).
        self.answers_status: bool | None = None
        self.job_fault = False
        self.last_files: list[Path] = []
        self.dummy_jobs: list[bytes] = []
        self._lock = threading.Lock()
        self._sim = (
            SimulatedPrinter(self.target.path, profile=profile, codepage=codepage)
            if self.target.kind == "sim"
            else None
        )
        try:  # fail fast on a bad profile / code page, not at the first receipt
            render_escpos(Document(), profile=profile, codepage=codepage)
        except ValueError:
            raise
        except Exception as exc:
            raise ValueError(f"printer profile {profile!r} / {codepage!r}: {exc!r}") from exc

    # -- public API --------------------------------------------------------
    def print_job(self, document: Document) -> None:
        """Print ``document`` or raise PrinterOffline (PrinterStalled,
        PrinterDisconnected) / PaperOut / PrinterError."""
        with self._lock:
            try:
                self._print(document)
            except PrinterError as exc:
                self.job_fault = True
                self._set_state(exc.state, str(exc))
                raise
            self.job_fault = False
            self._set_state(OK, self.uri)

    def status(self) -> str:
        """``ok`` | ``offline`` | ``paper_out`` | ``stalled`` | ``disconnected``
        | ``error`` as far as the transport can tell (``ok`` for write-only
        transports that open)."""
        with self._lock:
            try:
                state, detail = self._probe()
            except PrinterError as exc:
                self._set_state(exc.state, str(exc))
                return exc.state
            if self.job_fault:
                # Reachable again, but only a printed job proves it prints.
                return state
            self._set_state(state, detail)
            return state

    def clear_fault(self) -> None:
        """No job waits: the last job's fault no longer describes a reachable printer."""
        with self._lock:
            if self.job_fault:
                self.job_fault = False
                self._set_state(OK, self.uri)

    # -- internals ---------------------------------------------------------
    def _probe(self) -> tuple[str, str]:
        if self._sim is not None:
            return self._sim.status(), self.uri
        if self.target.kind == "dummy":
            return OK, self.uri
        if self.target.kind == "file":
            folder = os.path.dirname(self.target.path) or "."
            writable = os.access(self.target.path, os.W_OK) or (
                not os.path.exists(self.target.path) and os.access(folder, os.W_OK)
            )
            return (OK if writable else OFFLINE), self.uri
        with self._connection() as p:
            verdict = self._ask(p, self.status_timeout)
        if verdict is None:
            return OK, f"{self.uri} (connected; no DLE EOT status)"
        return OK, self.uri + (" (paper near end)" if verdict.near_end else "")

    def _print(self, doc: Document) -> None:
        if self._sim is not None:
            self.last_files = self._sim.write(doc)
            return
        data = render_escpos(doc, profile=self.profile, codepage=self.codepage)
        if self.target.kind == "dummy":
            self.dummy_jobs.append(data)
            return
        with self._connection() as p:
            self._ask(p, self.status_timeout)  # out of paper/offline: nothing is sent
            self._write(p, data)
            # The answer to a real-time query sent after the job proves the
            # printer took every byte before it (and still has paper).
            self._ask(p, max(self.timeout, self.status_timeout))

    def _write(self, p: Escpos, data: bytes) -> None:
        sock = self._socket(p)
        if sock is not None:
            self._send(sock, data)
            return
        try:
            p._raw(data)  # escpos' transport write; the bytes are already rendered
        except (OSError, serial.SerialException) as exc:
            raise PrinterOffline(f"{self.uri}: {exc}") from exc
        except Exception as exc:  # pyusb errors and the like
            raise _wrap(exc, self.uri) from exc

    def _send(self, sock: socket.socket, data: bytes) -> None:
        # Chunked instead of sendall: the timeout then bounds a stall (no byte
        # taken for `timeout` seconds), not the whole job — a long receipt on
        # a slow printer is fine, a printer that stopped reading is not.
        view, sent = memoryview(data), 0
        try:
            while sent < len(view):
                sent += sock.send(view[sent : sent + _CHUNK])
        except TimeoutError as exc:
            raise PrinterStalled(
                f"{self.uri}: printer took {sent} of {len(data)} bytes, then nothing"
                f" for {sock.gettimeout()}s"
            ) from exc
        except OSError as exc:
            raise PrinterDisconnected(
                f"{self.uri}: connection lost after {sent} of {len(data)} bytes: {exc}"
            ) from exc

    def _socket(self, p: Escpos) -> socket.socket | None:
        sock = getattr(p, "device", None) if self.target.kind == "tcp" else None
        return sock if isinstance(sock, socket.socket) else None

    def _asks(self) -> bool:
        if self.target.kind == "file" or self.status_query == "off":
            return False
        return self.status_query == "on" or self.answers_status is not False

    def _ask(self, p: Escpos, wait: float) -> Verdict | None:
        """Ask DLE EOT 4, 1 (and 2 when offline); raise unless online with paper.

        None: not asked (``off``, or an ``auto`` printer that never answers).
        """
        if not self._asks():
            return None
        paper = self._query(p, PAPER_SENSOR, wait)
        if paper is None:
            if self.status_query == "auto" and self.answers_status is not True:
                if self.answers_status is None:
                    self._log.info("printer %s does not answer DLE EOT: no status", self.uri)
                self.answers_status = False
                return None
            raise PrinterStalled(f"{self.uri}: no answer to DLE EOT within {wait}s")
        self.answers_status = True
        verdict = judge(paper, 0)  # paper end needs no second question
        online = None if verdict.state == PAPER_OUT else self._query(p, PRINTER_STATUS, wait)
        if online is not None:
            verdict = judge(paper, online)
        elif verdict.state != PAPER_OUT:
            raise PrinterStalled(f"{self.uri}: no answer to DLE EOT 1 within {wait}s")
        if verdict.state == OFFLINE:
            verdict = judge(paper, online, self._query(p, OFFLINE_CAUSE, wait))
        if verdict.state == PAPER_OUT:
            raise PaperOut(f"{self.uri}: {verdict.detail}")
        if verdict.state == OFFLINE:
            raise PrinterOffline(f"{self.uri}: {verdict.detail}")
        return verdict

    def _query(self, p: Escpos, n: int, wait: float) -> int | None:
        """The answer byte to DLE EOT ``n``, None when none comes within ``wait``."""
        sock = self._socket(p)
        if sock is None:
            return self._query_transport(p, n)
        try:
            sock.settimeout(wait)
            sock.sendall(query(n))
            answer = sock.recv(16)
        except TimeoutError:
            return None
        except OSError as exc:
            raise PrinterDisconnected(f"{self.uri}: {exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                sock.settimeout(self.timeout)
        if not answer:
            raise PrinterDisconnected(f"{self.uri}: the printer closed the connection")
        return answer[-1]  # a late answer to an earlier query may come first

    def _query_transport(self, p: Escpos, n: int) -> int | None:
        # Serial and USB: the transport's own read timeout applies.
        try:
            status = p.query_status(query(n))
        except (TimeoutError, NotImplementedError):
            return None
        except (OSError, serial.SerialException) as exc:
            raise PrinterOffline(f"{self.uri}: {exc}") from exc
        except Exception as exc:
            # pyusb read timeouts: the printer just does not report status.
            if "timeout" in str(exc).lower():
                return None
            raise _wrap(exc, self.uri) from exc
        return status[-1] if status else None

    def _open(self) -> Escpos:
        t = self.target
        if t.kind == "tcp":
            return Network(t.host, t.port, timeout=self.timeout, profile=self.profile)
        if t.kind == "file":
            return File(t.path, profile=self.profile)
        if t.kind == "serial":
            from escpos.printer import Serial

            return Serial(t.path, baudrate=t.baudrate, timeout=self.timeout, profile=self.profile)
        if t.kind == "usb":
            from escpos.printer import Usb

            return Usb(t.vendor, t.product, timeout=int(self.timeout * 1000), profile=self.profile)
        raise PrinterError(f"{self.uri}: transport {t.kind} has no connection")

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Escpos]:
        try:
            p = self._open()
            p.open()
        except PrinterError:
            raise
        except Exception as exc:
            raise _wrap(exc, self.uri) from exc
        sock = self._socket(p)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SEND_BUFFER)
        try:
            yield p
        finally:
            with contextlib.suppress(Exception):  # closing a dead link may fail; it is gone
                p.close()


def _wrap(exc: BaseException, uri: str) -> PrinterError:
    """Library and OS errors → our typed exceptions (one place)."""
    if isinstance(exc, PrinterError):
        return exc
    if isinstance(exc, escpos_errors.DeviceNotFoundError | OSError | serial.SerialException):
        return PrinterOffline(f"{uri}: {exc}")
    if type(exc).__name__ in ("USBError", "USBTimeoutError", "NoBackendError"):
        return PrinterOffline(f"{uri}: {exc}")
    return PrinterError(f"{uri}: {type(exc).__name__}: {exc}")


def describe(printer: ReceiptPrinter) -> dict[str, Any]:
    """A small JSON-able summary for ``/health`` and ``tilledge devices``."""
    return {"uri": printer.uri, "state": printer.state, "detail": printer.detail}
