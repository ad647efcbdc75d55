"""NFC card readers over nfcpy.

One :class:`Reader` per physical (or emulated) reader, each polling in its
own thread: ``clf.sense(RemoteTarget("106A"), …)`` in a loop, debounced so a
card resting on the reader is ONE tap and a new tap needs a removal first.
When the reader cannot be opened, errors or disappears, the thread reports
``offline``/``error`` and reopens it with exponential backoff.

Device paths are nfcpy's: ``usb:054c:06c3``, ``tty:USB0:pn532``,
``udp:127.0.0.1:54321``. For ``udp:`` we build the nfcpy udp device ourselves
(:class:`_UdpDevice`): stock nfcpy waits a fixed 1.0 s for an answer to every
SENS_REQ, so a poll without a card would cost a second and a tap could take
up to a second to show up; on loopback/LAN an emulated card answers in well
under a millisecond, so we cap the wait (``udp_timeout``).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import select
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import nfc
import nfc.clf
import nfc.clf.udp

from drivers.backoff import RECONNECT_INITIAL_S, RECONNECT_MAX_S
from drivers.device import ERROR, OFFLINE, OK, ReconnectingDevice, StateCallback
from drivers.uids import normalize_uid

log = logging.getLogger(__name__)

__all__ = [
    "ERROR",
    "OFFLINE",
    "OK",
    "Reader",
    "ReaderPool",
    "StateCallback",
    "TapCallback",
    "is_simulated",
]

TapCallback = Callable[[str, str], None]
"""``on_tap(reader_name, uid)`` — uid is upper-case hex without separators."""

# errno values meaning "the device is not there (any more)": offline, not a fault.
_GONE_ERRNOS = {errno.ENODEV, errno.ENOENT, errno.ENXIO, errno.EIO, errno.EPIPE, errno.ESHUTDOWN}


def _uid_of(target: Any) -> str | None:
    """The identifier of a sensed target, per technology."""
    if target is None:
        return None
    if getattr(target, "sdd_res", None):  # type A: NFCID1 (4/7/10 bytes)
        return normalize_uid(target.sdd_res)
    if getattr(target, "sensf_res", None):  # type F: IDm
        return normalize_uid(target.sensf_res[1:9])
    if getattr(target, "sensb_res", None):  # type B: PUPI
        return normalize_uid(target.sensb_res[1:5])
    return None


def is_simulated(uri: str) -> bool:
    """A reader without a radio: nfcpy's ``udp:`` transport (every card on it
    is software) or ``sim`` (taps are only ever injected)."""
    kind = uri.partition(":")[0].strip().lower()
    return kind in ("udp", "sim")


def parse_udp_uri(uri: str) -> tuple[str, int]:
    """``udp:HOST:PORT`` → (host, port) with nfcpy's defaults."""
    parts = uri.split(":")
    if parts[0] != "udp":
        raise ValueError(f"not a udp device path: {uri!r}")
    host = parts[1] if len(parts) > 1 and parts[1] else "localhost"
    port = int(parts[2]) if len(parts) > 2 and parts[2] else 54321
    return host, port


class _UdpDevice(nfc.clf.udp.Device):  # type: ignore[misc]
    """nfcpy's udp device with a bounded answer wait (see module docstring).

    With ``bind_host`` the listening side binds the configured host instead
    of nfcpy's ``0.0.0.0``, so an emulator for ``udp:127.0.0.1:…`` stays on
    loopback. ``wake`` lets another thread end a blocking ``listen`` (a card
    being taken off the emulated reader).
    """

    def __init__(
        self, host: str, port: int, *, response_timeout: float | None, bind_host: bool
    ) -> None:
        self.response_timeout = response_timeout
        self.bind_host = bind_host
        self._wake_r, self._wake_w = socket.socketpair()
        # Set once a listening (card) side has tried to bind: lets the
        # emulator report "bound" / "port busy" without guessing.
        self.bound = threading.Event()
        self.bind_error: OSError | None = None
        # nfcpy's own __init__ resolves the port with getnameinfo() without
        # NI_NUMERICSERV and then int()s the answer: a port that has a name in
        # /etc/services (60177 is "tfido") fails with ValueError. Same steps,
        # numeric only.
        self.addr = (socket.gethostbyname(host), int(port))
        self.socket = None
        self._create_socket()
        self._vendor_name = "TillEdge"
        self._device_name = "IP-Stack"
        self._chipset_name = "UDP"
        self._path = f"udp:{host}:{port}"

    def wake(self) -> None:
        with contextlib.suppress(OSError):  # already closed: nothing to wake
            self._wake_w.send(b"x")

    def close(self) -> None:
        super().close()
        self._wake_r.close()
        self._wake_w.close()

    def _bind_socket(self, time_to_return: float) -> bool:
        addr = self.addr if self.bind_host else ("0.0.0.0", self.addr[1])
        try:
            self.socket.bind(addr)
        except OSError as error:
            self.bind_error = error
            if error.errno == errno.EADDRINUSE:
                return False
            raise
        finally:
            self.bound.set()
        return True

    def _recv_data(self, timeout: float | None, *brty_list: str) -> Any:
        if timeout is not None and self.response_timeout is not None:
            timeout = min(timeout, self.response_timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            readable, _, _ = select.select([self.socket, self._wake_r], [], [], wait)
            if self._wake_r in readable:
                raise nfc.clf.TimeoutError("woken")
            if not readable:
                raise nfc.clf.TimeoutError("no data received")
            data, addr = self.socket.recvfrom(1024)
            if data.startswith(b"RFOFF"):
                raise nfc.clf.BrokenLinkError("RFOFF")
            try:
                brty, hexdata = data.split()
            except ValueError:
                raise nfc.clf.TransmissionError("no data") from None
            brty_text = brty.decode("ascii")
            payload = bytearray(bytes.fromhex(hexdata.decode("ascii")))
            self.rcvd_data += len(payload)
            if brty_text in brty_list:
                return brty_text, payload, addr


class _Frontend(nfc.ContactlessFrontend):  # type: ignore[misc]
    """ContactlessFrontend that uses :class:`_UdpDevice` for ``udp:`` paths."""

    def __init__(self, *, response_timeout: float | None = None, bind_host: bool = False) -> None:
        self._response_timeout = response_timeout
        self._bind_host = bind_host
        super().__init__()

    def open(self, path: str) -> bool:
        if not path.startswith("udp"):
            return bool(super().open(path))
        host, port = parse_udp_uri(path)
        with self.lock:
            self.device = _UdpDevice(
                host, port, response_timeout=self._response_timeout, bind_host=self._bind_host
            )
        return True


def _classify(exc: BaseException) -> tuple[str, str]:
    """Map an exception from nfcpy/libusb/the OS to (state, detail)."""
    if isinstance(exc, OSError):
        if "libusb" in str(exc):  # usb1 raises ENOENT when the library is absent
            return ERROR, "libusb-1.0 not installed (apt install libusb-1.0-0)"
        if exc.errno in _GONE_ERRNOS:
            return OFFLINE, f"reader not found ({exc.strerror or exc})"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return ERROR, "permission denied (udev rule / group missing?)"
        if exc.errno == errno.EBUSY:
            return ERROR, "reader busy (kernel driver bound? see tilledge-blacklist.conf)"
        return OFFLINE, str(exc)
    name = type(exc).__name__
    if "NoDevice" in name or "NotFound" in name:  # usb1.USBErrorNoDevice & co
        return OFFLINE, f"reader gone ({name})"
    return ERROR, f"{name}: {exc}"


class Reader(ReconnectingDevice):
    """One NFC reader polled in a background thread.

    ``on_tap(name, uid)`` fires once per card placement; ``on_state(name,
    state, detail)`` fires on every state change (``ok``/``offline``/
    ``error``). Callbacks run on the reader thread: keep them short (hand the
    event to a queue/bus); an exception in a callback is logged, never kills
    the loop.
    """

    kind = "nfc"

    def __init__(
        self,
        uri: str,
        name: str,
        *,
        on_tap: TapCallback | None = None,
        on_state: StateCallback | None = None,
        targets: Iterable[str] = ("106A",),
        poll_interval: float = 0.03,
        removal_polls: int = 2,
        removal_s: float = 0.1,
        udp_timeout: float = 0.02,
        backoff_initial: float = RECONNECT_INITIAL_S,
        backoff_max: float = RECONNECT_MAX_S,
    ) -> None:
        super().__init__(name, on_state, backoff_initial=backoff_initial, backoff_max=backoff_max)
        self.uri = uri
        self.simulated = is_simulated(uri)
        self.on_tap = on_tap
        self.targets = tuple(targets)
        self.poll_interval = poll_interval
        # A real reader occasionally misses a card that is still there; a
        # single empty poll must not turn one long hold into two taps.
        self.removal_polls = max(1, removal_polls)
        # ... nor a few late answers on a busy box: a removal also needs
        # removal_s without a read (no hand re-taps within 100 ms).
        self.removal_s = removal_s
        self.udp_timeout = udp_timeout
        self.present_uid: str | None = None
        self.taps = 0
        self.polls = 0  # completed sense rounds: lets callers wait for "N polls later"
        self.open_attempts = 0
        self._clf: _Frontend | None = None
        self._clf_lock = threading.Lock()

    def reset(self) -> None:
        """Close the reader under the running loop.

        nfcpy then raises ENODEV on the next poll — exactly what a USB reader
        that was pulled out produces — and the loop reconnects with backoff.
        Useful for a technician's "reconnect reader" action and for tests.
        """
        with self._clf_lock:
            clf = self._clf
        if clf is not None:
            clf.close()

    # -- the worker (see ReconnectingDevice) -------------------------------
    def _emit_tap(self, uid: str) -> None:
        self.taps += 1
        self._call("on_tap", self.on_tap, uid)

    _classify = staticmethod(_classify)

    def _connect(self) -> _Frontend | None:
        self.open_attempts += 1
        if self.uri.partition(":")[0].strip().lower() == "sim":
            self._set_state(OK, "simulated: taps are injected")  # nothing to open
            return None
        clf = _Frontend(response_timeout=self.udp_timeout)
        try:
            if not clf.open(self.uri):
                raise OSError(errno.ENODEV, "no reader at " + self.uri)
        except BaseException:
            clf.close()
            raise
        with self._clf_lock:
            self._clf = clf
        self._set_state(OK, str(clf.device))
        return clf

    def _disconnect(self, clf: _Frontend | None) -> None:
        if clf is None:
            return
        with self._clf_lock:
            self._clf = None
        clf.close()
        self.present_uid = None

    def _serve(self, clf: _Frontend | None) -> None:
        if clf is None:  # a sim reader: idle until stopped
            self._stop.wait()
            return
        remote = [nfc.clf.RemoteTarget(brty) for brty in self.targets]
        misses = 0
        last_seen = 0.0
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                target = clf.sense(*remote)
            except nfc.clf.CommunicationError as exc:  # RF glitch: not a device fault
                log.debug("nfc %s: %s", self.name, exc)
                target = None
            self.polls += 1
            uid = _uid_of(target)
            if uid is not None:
                misses = 0
                last_seen = time.monotonic()
                if uid != self.present_uid:
                    self.present_uid = uid
                    self._emit_tap(uid)
            else:
                misses += 1
                if misses >= self.removal_polls and started - last_seen >= self.removal_s:
                    self.present_uid = None
            self._stop.wait(max(0.0, self.poll_interval - (time.monotonic() - started)))


class ReaderPool:
    """Several readers started and stopped together, looked up by name."""

    def __init__(self, readers: Iterable[Reader] = ()) -> None:
        self._readers: dict[str, Reader] = {}
        for reader in readers:
            self.add(reader)

    def add(self, reader: Reader) -> None:
        if reader.name in self._readers:
            raise ValueError(f"duplicate reader name {reader.name!r}")
        self._readers[reader.name] = reader

    def get(self, name: str) -> Reader:
        return self._readers[name]

    def __iter__(self) -> Iterator[Reader]:
        return iter(list(self._readers.values()))

    def __len__(self) -> int:
        return len(self._readers)

    def start(self) -> None:
        for reader in self:
            reader.start()

    def stop(self, timeout: float = 5.0) -> None:
        for reader in self:
            reader.request_stop()  # signal all first so they wind down in parallel
        for reader in self:
            reader.stop(timeout)

    def states(self) -> dict[str, tuple[str | None, str]]:
        return {r.name: (r.state, r.detail) for r in self}
