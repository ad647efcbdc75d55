"""Receipt printer over python-escpos, plus a simulated printer.

Device URIs (``[devices.printer] uri``):

* ``tcp:HOST:PORT`` — network printer, raw port 9100 (escpos ``Network``)
* ``usb:VID:PID`` — hex ids, e.g. ``usb:04b8:0202`` (escpos ``Usb``, needs pyusb + libusb)
* ``serial:/dev/ttyS0`` or ``serial:/dev/ttyUSB0:19200`` (escpos ``Serial``)
* ``file:/dev/usb/lp0`` — a character device or plain file (escpos ``File``)
* ``sim:DIR`` — writes every job as ``.txt`` + ``.png`` (+ raw ``.escpos``) into DIR
* ``dummy:`` — keeps the bytes in memory (escpos ``Dummy``)

A job is rendered to ESC/POS bytes first (:mod:`drivers.receipt_render`:
escpos ``Dummy`` with the configured profile and code page), then sent in
one write over a connection opened for that job only: a printer that was
power-cycled between jobs is simply reconnected. Every library/socket error
is wrapped here into :class:`PrinterOffline`, :class:`PaperOut` or
:class:`PrinterError`, so the caller's outbox can decide to retry. Delivery
is at-least-once: a connection that breaks in the middle of a job raises
:class:`PrinterOffline` although part of the receipt may be on paper.
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
from drivers.receipt_render import CODECS, render_escpos, render_png
from drivers.receipts import Document

__all__ = [
    "PaperOut",
    "PrinterError",
    "PrinterOffline",
    "PrinterURI",
    "ReceiptPrinter",
    "SimulatedPrinter",
    "parse_printer_uri",
    "render_escpos",
    "render_png",
]

PAPER_OUT = "paper_out"


class PrinterError(Exception):
    """The printer refused or failed the job (retrying may not help)."""


class PrinterOffline(PrinterError):
    """Not reachable: refused/reset connection, unplugged, powered off."""


class PaperOut(PrinterError):
    """The printer reports no paper (DLE EOT 4); nothing was sent."""


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
    ``state``/``detail`` (and fires ``on_state`` on a change).
    """

    kind = "printer"

    def __init__(
        self,
        uri: str,
        *,
        profile: str = "default",
        codepage: str = "CP858",
        timeout: float = 5.0,
        status_timeout: float = 0.5,
        check_paper: bool = True,
        base_dir: str | os.PathLike[str] | None = None,
        name: str = "printer",
        on_state: StateCallback | None = None,
    ) -> None:
        super().__init__(name, on_state)
        self.uri = uri
        self.target = parse_printer_uri(uri, base_dir)
        self.profile = profile
        self.codepage = codepage
        self.timeout = timeout
        self.status_timeout = status_timeout
        self.check_paper = check_paper
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
        """Print ``document`` or raise PrinterOffline / PaperOut / PrinterError."""
        with self._lock:
            try:
                self._print(document)
            except PrinterError as exc:
                self._set_state(_state_of(exc), str(exc))
                raise
            self._set_state(OK, self.uri)

    def status(self) -> str:
        """``ok`` | ``offline`` | ``error`` | ``paper_out`` as far as the
        transport can tell (``ok`` for write-only transports that open)."""
        with self._lock:
            try:
                if self._sim is not None:
                    state = self._sim.status()
                elif self.target.kind == "dummy":
                    state = OK
                elif self.target.kind == "file":
                    folder = os.path.dirname(self.target.path) or "."
                    writable = os.access(self.target.path, os.W_OK) or (
                        not os.path.exists(self.target.path) and os.access(folder, os.W_OK)
                    )
                    state = OK if writable else OFFLINE
                else:
                    with self._connection() as p:
                        state = PAPER_OUT if self._paper(p) == 0 else OK
            except PrinterError as exc:
                state = _state_of(exc)
                self._set_state(state, str(exc))
                return state
            self._set_state(state, self.uri)
            return state

    # -- internals ---------------------------------------------------------
    def _print(self, doc: Document) -> None:
        if self._sim is not None:
            self.last_files = self._sim.write(doc)
            return
        data = render_escpos(doc, profile=self.profile, codepage=self.codepage)
        if self.target.kind == "dummy":
            self.dummy_jobs.append(data)
            return
        with self._connection() as p:
            if self.check_paper and self.target.kind != "file" and self._paper(p) == 0:
                raise PaperOut(f"{self.uri}: paper out")
            try:
                p._raw(data)  # escpos' transport write; the bytes are already rendered
            except (OSError, serial.SerialException) as exc:
                raise PrinterOffline(f"{self.uri}: {exc}") from exc
            except Exception as exc:  # pyusb errors and the like
                raise _wrap(exc, self.uri) from exc

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
        try:
            yield p
        finally:
            with contextlib.suppress(Exception):  # closing a dead link may fail; it is gone
                p.close()

    def _paper(self, p: Escpos) -> int | None:
        """2 ok, 1 near end, 0 out, None when the printer does not answer."""
        sock = getattr(p, "device", None) if self.target.kind == "tcp" else None
        try:
            if isinstance(sock, socket.socket):
                sock.settimeout(self.status_timeout)
            try:
                status = p.query_status(b"\x10\x04\x04")  # DLE EOT 4: paper sensor
            finally:
                if isinstance(sock, socket.socket):
                    sock.settimeout(self.timeout)
        except (TimeoutError, NotImplementedError):
            return None
        except (OSError, serial.SerialException) as exc:
            raise PrinterOffline(f"{self.uri}: {exc}") from exc
        except Exception as exc:
            # pyusb read timeouts: the printer just does not report status.
            if "timeout" in str(exc).lower():
                return None
            raise _wrap(exc, self.uri) from exc
        if not status:
            return None
        byte = status[0]
        if byte & 0x60 == 0x60:  # bits 5+6: paper end sensor
            return 0
        if byte & 0x0C == 0x0C:  # bits 2+3: near-end sensor
            return 1
        return 2


def _wrap(exc: BaseException, uri: str) -> PrinterError:
    """Library and OS errors → our typed exceptions (one place)."""
    if isinstance(exc, PrinterError):
        return exc
    if isinstance(exc, escpos_errors.DeviceNotFoundError | OSError | serial.SerialException):
        return PrinterOffline(f"{uri}: {exc}")
    if type(exc).__name__ in ("USBError", "USBTimeoutError", "NoBackendError"):
        return PrinterOffline(f"{uri}: {exc}")
    return PrinterError(f"{uri}: {type(exc).__name__}: {exc}")


def _state_of(exc: BaseException) -> str:
    if isinstance(exc, PaperOut):
        return PAPER_OUT
    if isinstance(exc, PrinterOffline):
        return OFFLINE
    return ERROR


def describe(printer: ReceiptPrinter) -> dict[str, Any]:
    """A small JSON-able summary for ``/health`` and ``tilledge devices``."""
    return {"uri": printer.uri, "state": printer.state, "detail": printer.detail}
