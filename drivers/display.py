"""Customer (pole) display: protocol encoders over a pyserial transport.

Protocols (pure functions of text → bytes, no I/O):

* :class:`EpsonDisplay` — Epson ESC/POS customer display command set
  (DM-D110/D210 and compatibles): ``ESC @`` init, ``ESC t n`` code table,
  ``US MD1`` (``1F 01``) overwrite mode, ``US $ x y`` cursor, ``FF`` clear.
  Default code table **PC858** (``ESC t 19``): umlauts, ß and € at 0xD5.
* :class:`CD5220Display` — CD5220 command set: ``ESC @`` init,
  ``ESC f A`` (USA international set, so 0x20–0x7F is plain ASCII whatever
  the DIP switches say), ``ESC Q A …CR`` / ``ESC Q B …CR`` upper/lower line,
  ``CLR`` clear. Default code table **PC437** (the ROM table of CD5220
  units: umlauts and ß, but no €, which becomes ``EUR``). ``PC858`` is
  available for clones that document Epson's ``ESC t 19``; ``ASCII`` for
  units without an upper half (then ä→ae, ß→ss).

Characters the chosen page lacks are transliterated (€→EUR, ä→ae, accents
dropped); only when nothing fits is ``?`` used, and that is logged.

Transport: any pyserial port or URL (``/dev/ttyUSB0``, ``socket://h:p``,
``loop://``), or ``sim:`` which keeps only the text. :class:`CustomerDisplay`
owns the port in a worker thread: it scrolls lines longer than the width
(marquee), reverts to the idle text, notices a vanished port, reports
``offline`` and reopens with backoff, then shows the last text again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import serial

from drivers.backoff import RECONNECT_INITIAL_S, RECONNECT_MAX_S
from drivers.codepages import fold
from drivers.device import OK, ReconnectingDevice, StateCallback

log = logging.getLogger(__name__)

__all__ = [
    "CD5220Display",
    "CodePage",
    "CustomerDisplay",
    "DisplayProtocol",
    "EpsonDisplay",
    "make_protocol",
]

ESC, US, FF, CR = b"\x1b", b"\x1f", b"\x0c", b"\x0d"


@dataclass(frozen=True)
class CodePage:
    """A display character table: Python codec + the bytes that select it."""

    name: str
    codec: str
    select: bytes


EPSON_CODEPAGES = {
    "PC858": CodePage("PC858", "cp858", ESC + b"t\x13"),
    "PC850": CodePage("PC850", "cp850", ESC + b"t\x02"),
    "PC437": CodePage("PC437", "cp437", ESC + b"t\x00"),
    "WPC1252": CodePage("WPC1252", "cp1252", ESC + b"t\x10"),
    "PC852": CodePage("PC852", "cp852", ESC + b"t\x12"),
}
CD5220_CODEPAGES = {
    "PC437": CodePage("PC437", "cp437", b""),  # the ROM table, nothing to select
    "PC858": CodePage("PC858", "cp858", ESC + b"t\x13"),
    "ASCII": CodePage("ASCII", "ascii", b""),
}


class DisplayProtocol(ABC):
    """Text → bytes for one display command set. No I/O."""

    name = ""
    codepages: ClassVar[dict[str, CodePage]] = {}
    default_codepage = ""

    def __init__(self, columns: int = 20, rows: int = 2, codepage: str | None = None) -> None:
        self.columns = columns
        self.rows = rows
        key = (codepage or self.default_codepage).upper()
        if key not in self.codepages:
            raise ValueError(
                f"{self.name}: unknown code page {codepage!r}; choose from {sorted(self.codepages)}"
            )
        self.codepage = self.codepages[key]

    def fold(self, text: str) -> str:
        """Text made of characters this display can show (same meaning)."""
        return fold(text, self.codepage.codec, where=f"display {self.name}/{self.codepage.name}")

    def encode(self, text: str) -> bytes:
        """Bytes for already folded text."""
        return self.fold(text).encode(self.codepage.codec)

    def fit(self, line: str) -> str:
        return line[: self.columns].ljust(self.columns)

    @abstractmethod
    def init(self) -> bytes:
        """Reset the display and select the code page."""

    @abstractmethod
    def frame(self, lines: Sequence[str]) -> bytes:
        """Write ``rows`` lines (folded, each exactly ``columns`` wide)."""

    def clear(self) -> bytes:
        return FF


class EpsonDisplay(DisplayProtocol):
    name = "epson"
    codepages = EPSON_CODEPAGES
    default_codepage = "PC858"

    def init(self) -> bytes:
        # ESC @ also clears the screen; US MD1 = overwrite mode so writing a
        # full line never scrolls the display.
        return ESC + b"@" + self.codepage.select + US + b"\x01"

    def cursor(self, x: int, y: int) -> bytes:
        return US + b"$" + bytes([x, y])

    def frame(self, lines: Sequence[str]) -> bytes:
        out = bytearray()
        for y, line in enumerate(lines[: self.rows], start=1):
            out += self.cursor(1, y) + self.encode(self.fit(line))
        return bytes(out)


class CD5220Display(DisplayProtocol):
    name = "cd5220"
    codepages = CD5220_CODEPAGES
    default_codepage = "PC437"

    def __init__(self, columns: int = 20, rows: int = 2, codepage: str | None = None) -> None:
        if rows not in (1, 2):
            raise ValueError("CD5220 string mode addresses two lines (rows=1 or 2)")
        super().__init__(columns, rows, codepage)

    def init(self) -> bytes:
        return ESC + b"@" + ESC + b"fA" + self.codepage.select

    def frame(self, lines: Sequence[str]) -> bytes:
        out = bytearray()
        for cmd, line in zip((b"A", b"B"), lines[: self.rows], strict=False):
            out += ESC + b"Q" + cmd + self.encode(self.fit(line)) + CR
        return bytes(out)


def make_protocol(
    protocol: str, columns: int = 20, rows: int = 2, codepage: str | None = None
) -> DisplayProtocol:
    """``epson`` or ``cd5220`` (as in ``[devices.display] protocol``)."""
    classes: dict[str, type[DisplayProtocol]] = {"epson": EpsonDisplay, "cd5220": CD5220Display}
    try:
        cls = classes[protocol.lower()]
    except KeyError:
        raise ValueError(f"unknown display protocol {protocol!r}") from None
    return cls(columns, rows, codepage)


class CustomerDisplay(ReconnectingDevice):
    """A customer display kept showing the wanted text, whatever the port does.

    ``show()``/``clear()``/``idle()`` only record the wanted text and wake the
    worker, so callers (request threads, the tap path) never block on a slow
    or missing serial port. The worker reopens a failing port with backoff
    (:class:`drivers.device.ReconnectingDevice`) and then redraws.
    """

    kind = "display"

    def __init__(
        self,
        uri: str = "sim:",
        protocol: str | DisplayProtocol = "epson",
        *,
        columns: int = 20,
        rows: int = 2,
        codepage: str | None = None,
        baudrate: int = 9600,
        idle_text: Sequence[str] = ("Willkommen", ""),
        name: str = "display",
        on_state: StateCallback | None = None,
        on_change: Callable[[str, list[str]], None] | None = None,
        scroll_interval: float = 0.35,
        scroll_gap: int = 3,
        probe_interval: float = 1.0,
        backoff_initial: float = RECONNECT_INITIAL_S,
        backoff_max: float = RECONNECT_MAX_S,
        write_timeout: float = 2.0,
    ) -> None:
        super().__init__(name, on_state, backoff_initial=backoff_initial, backoff_max=backoff_max)
        self.uri = uri
        self.protocol = (
            protocol
            if isinstance(protocol, DisplayProtocol)
            else make_protocol(protocol, columns, rows, codepage)
        )
        self.columns, self.rows = self.protocol.columns, self.protocol.rows
        self.baudrate = baudrate
        self.idle_text = list(idle_text)
        # on_change(name, frame): the glass changed (new text or a marquee
        # step) — lets a web mirror push instead of polling current_text().
        self.on_change = on_change
        self.scroll_interval = scroll_interval
        self.scroll_gap = scroll_gap
        self.probe_interval = probe_interval
        self.write_timeout = write_timeout
        self.simulated = uri == "sim:" or uri.startswith("sim:")
        self._cond = threading.Condition()
        self._lines: list[str] = self._normalise(self.idle_text)
        self._version = 0  # bumped by every show(); restarts scrolling
        self._clear_pending = False
        self._revert_at: float | None = None
        self._offset = 0
        self._frame: list[str] = self._compose(self._lines, 0)
        self._port: serial.SerialBase | None = None
        # The worker's view, kept across reconnects: the text version it last
        # saw (a new one restarts the marquee), when to scroll, when to look
        # for the device node, and the frame on_change last heard of.
        self._seen_version = -1
        self._next_scroll = 0.0
        self._next_probe = 0.0
        self._notified: list[str] | None = None

    # -- public API --------------------------------------------------------
    def show(self, lines: Sequence[str], *, timeout: float | None = None) -> None:
        """Show ``lines`` (one per row); after ``timeout`` s revert to idle."""
        self._set(lines, timeout, clear=False)

    def clear(self) -> None:
        """Blank the display (sends the protocol's clear command)."""
        self._set([], None, clear=True)

    def _set(self, lines: Sequence[str], timeout: float | None, *, clear: bool) -> None:
        with self._cond:
            self._lines = self._normalise(lines)
            self._version += 1
            self._offset = 0
            self._revert_at = None if timeout is None else time.monotonic() + timeout
            self._frame = self._compose(self._lines, 0)
            self._clear_pending = clear
            self._cond.notify_all()

    def idle(self) -> None:
        self.show(self.idle_text)

    def current_text(self) -> list[str]:
        """Exactly what the display shows now: ``rows`` strings of ``columns``
        characters (scrolled window, after code-page folding)."""
        with self._cond:
            return list(self._frame)

    @property
    def lines(self) -> list[str]:
        """The full (unscrolled, folded) lines last asked for."""
        with self._cond:
            return list(self._lines)

    # -- text layout -------------------------------------------------------
    def _normalise(self, lines: Sequence[str]) -> list[str]:
        folded = [self.protocol.fold(str(line)) for line in list(lines)[: self.rows]]
        return folded + [""] * (self.rows - len(folded))

    def _compose(self, lines: Sequence[str], offset: int) -> list[str]:
        out = []
        for line in lines:
            if len(line) <= self.columns:
                out.append(line.ljust(self.columns))
            else:
                loop = line + " " * self.scroll_gap
                k = offset % len(loop)
                out.append((loop[k:] + loop[:k])[: self.columns])
        return out

    def _scrolling(self) -> bool:
        return any(len(line) > self.columns for line in self._lines)

    # -- the worker (see ReconnectingDevice) -------------------------------
    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _is_path(self) -> bool:
        return not self.simulated and "://" not in self.uri

    def _connect(self) -> serial.SerialBase | None:
        if not self.simulated:
            if self._is_path() and not os.path.exists(self.uri):
                raise serial.SerialException(f"{self.uri} not present")
            self._port = serial.serial_for_url(
                self.uri,
                baudrate=self.baudrate,
                timeout=0,
                write_timeout=self.write_timeout,
                exclusive=True if self._is_path() else None,
            )
            try:
                self._write(self.protocol.init())
            except Exception:
                self._close_port()
                raise
            self._next_probe = time.monotonic() + self.probe_interval
        self._set_state(OK, "simulated" if self.simulated else self.uri)
        return self._port

    def _disconnect(self, port: serial.SerialBase | None) -> None:
        self._close_port()

    def _close_port(self) -> None:
        if self._port is not None:
            try:
                self._port.close()
            except Exception:  # a vanished port may fail to close; it is gone anyway
                log.debug("display %s: close failed", self.name, exc_info=True)
            self._port = None

    def _write(self, data: bytes) -> None:
        if self._port is not None and data:
            self._port.write(data)

    def _serve(self, port: serial.SerialBase | None) -> None:
        written: list[str] | None = None  # just opened (and reset by init): redraw
        while not self._stop.is_set():
            frame, clear = self._next_frame()
            if clear:
                self._write(self.protocol.clear())
                written = [" " * self.columns] * self.rows
            if frame != written:
                self._write(self.protocol.frame(frame))
                written = frame
            if frame != self._notified:
                self._notified = frame
                self._call("on_change", self.on_change, list(frame))
            if self._is_path() and time.monotonic() >= self._next_probe:
                # Nothing to write does not mean the display is there:
                # an unplugged USB adapter only shows as a missing node.
                self._next_probe = time.monotonic() + self.probe_interval
                if not os.path.exists(self.uri):
                    raise serial.SerialException(f"{self.uri} vanished")
            self._sleep(written)

    def _next_frame(self) -> tuple[list[str], bool]:
        """The frame due now (idle text after a timeout, a marquee step) and a pending clear."""
        now = time.monotonic()
        with self._cond:
            if self._revert_at is not None and now >= self._revert_at:
                self._lines = self._normalise(self.idle_text)
                self._version += 1
                self._offset = 0
                self._revert_at = None
            if self._version != self._seen_version:
                # New text: show its start for a full interval.
                self._seen_version = self._version
                self._next_scroll = now + self.scroll_interval
            elif self._scrolling() and now >= self._next_scroll:
                self._offset += 1
                self._next_scroll = now + self.scroll_interval
            self._frame = self._compose(self._lines, self._offset)
            clear, self._clear_pending = self._clear_pending, False
            return list(self._frame), clear

    def _sleep(self, written: list[str] | None) -> None:
        """Until the next marquee step, probe or revert, or a new text."""
        with self._cond:
            deadlines = [self._next_probe] if self._is_path() else []
            if self._scrolling():
                deadlines.append(self._next_scroll)
            if self._revert_at is not None:
                deadlines.append(self._revert_at)
            wait = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            if not self._stop.is_set() and self._frame == written and not self._clear_pending:
                self._cond.wait(wait)
