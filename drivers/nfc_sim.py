"""An emulated ISO 14443-A card for nfcpy's ``udp:`` reader transport.

How nfcpy's udp driver works (nfc/clf/udp.py): the *card* side listens — it
binds the UDP port of the path — and the *reader* side sends one datagram
per frame (``"106A 26"`` = SENS_REQ) to that port from an ephemeral port and
waits for the answer. With nobody bound to the port the datagram is simply
dropped (unconnected UDP sockets get no ICMP error on Linux), so "no card"
and "card removed" both look like an unanswered poll. A card "rests on the
reader" for as long as the emulator stays bound and answers every
anticollision round; it is "taken off" when the emulator stops listening and
closes its socket. The reader sends ``RFOFF`` when it switches its field off
between polls; the emulator ignores it and keeps answering.

``CardEmulator`` presents a card until :meth:`CardEmulator.remove`;
``present_card(uri, uid, hold_s)`` is the one-shot used by
``tilledge simulate tap UID``.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

import nfc.clf

from drivers.nfc import _Frontend, _UdpDevice, parse_udp_uri
from drivers.uids import nfc_uid

log = logging.getLogger(__name__)

__all__ = ["CardEmulator", "EmulatorBusy", "present_card"]


class EmulatorBusy(RuntimeError):
    """Another emulated card is already on this reader (port in use)."""


class CardEmulator:
    """Presents one emulated type-A card on ``udp:HOST:PORT`` at a time."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.host, self.port = parse_udp_uri(uri)
        self._thread: threading.Thread | None = None
        self._clf: _Frontend | None = None
        self._lock = threading.Lock()
        self.uid: str | None = None

    @staticmethod
    def target(uid: str, technology: str = "106A") -> nfc.clf.LocalTarget:
        """The LocalTarget nfcpy answers polls with.

        ``106A``: a type-2-like card, SENS_RES 4400, SEL_RES 00, SDD_RES = the
        4/7-byte UID. ``212F``: a FeliCa card whose IDm (8 bytes) is the UID.
        """
        raw = bytearray.fromhex(nfc_uid(uid))
        if technology == "106A":
            if len(raw) not in (4, 7):
                raise ValueError("type A emulation supports 4- and 7-byte UIDs")
            target = nfc.clf.LocalTarget("106A")
            target.sens_res = bytearray.fromhex("4400")  # ATQA
            target.sel_res = bytearray.fromhex("00")  # SAK: no ISO-DEP
            target.sdd_res = raw
            return target
        if technology in ("212F", "424F"):
            if len(raw) != 8:
                raise ValueError("FeliCa IDm is 8 bytes")
            target = nfc.clf.LocalTarget(technology)
            # response code 01, IDm, PMm, system code 12FC (NDEF)
            target.sensf_res = bytearray([1]) + raw + bytearray.fromhex("0120220427674EFF12FC")
            return target
        raise ValueError(f"unsupported technology {technology!r} (106A, 212F, 424F)")

    @property
    def presenting(self) -> bool:
        return bool(self._thread and self._thread.is_alive())

    def present(self, uid: str, *, technology: str = "106A", ready_timeout: float = 2.0) -> None:
        """Put the card on the reader; returns once the emulator is bound."""
        with self._lock:
            if self.presenting:
                raise EmulatorBusy(f"a card is already presented on {self.uri}")
            target = self.target(uid, technology)
            clf = _Frontend(bind_host=True)
            clf.open(self.uri)
            device = clf.device
            assert isinstance(device, _UdpDevice)

            def listen() -> None:
                try:
                    # One long listen: every re-bind would open a window in
                    # which a reader poll is dropped (= a spurious removal).
                    clf.listen(target, 24 * 3600)
                except Exception:
                    log.exception("card emulator on %s failed", self.uri)
                finally:
                    device.bound.set()
                    clf.close()

            self._clf = clf
            self.uid = nfc_uid(uid)
            self._thread = threading.Thread(target=listen, name="nfc-card-emulator", daemon=True)
            self._thread.start()
        if not device.bound.wait(ready_timeout) or device.bind_error or not self.presenting:
            self.remove()
            reason = device.bind_error or "emulator did not start"
            raise EmulatorBusy(f"cannot present a card on {self.uri}: {reason}")

    def remove(self, timeout: float = 2.0) -> None:
        """Take the card off the reader (stop answering, release the port)."""
        with self._lock:
            clf, thread = self._clf, self._thread
            self._clf = self._thread = None
            self.uid = None
        if clf is not None and isinstance(clf.device, _UdpDevice):
            clf.device.wake()
        if thread is not None:
            thread.join(timeout)

    def __enter__(self) -> CardEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def present_card(uri: str, uid: str, hold_s: float = 0.3) -> None:
    """Present card ``uid`` on the udp reader ``uri`` for ``hold_s`` seconds."""
    emulator = CardEmulator(uri)
    emulator.present(uid)
    try:
        time.sleep(hold_s)  # the hold itself is the point: a card resting on the reader
    finally:
        emulator.remove()


def free_udp_port(host: str = "127.0.0.1") -> int:
    """A currently free UDP port (for tests and the demo profile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    """``python -m drivers.nfc_sim UID [--uri udp:127.0.0.1:54321] [--hold 0.3]``."""
    import argparse

    parser = argparse.ArgumentParser(description="Present an emulated NFC card to a udp reader.")
    parser.add_argument("uid")
    parser.add_argument("--uri", default="udp:127.0.0.1:54321")
    parser.add_argument("--hold", type=float, default=0.3, help="seconds on the reader")
    args = parser.parse_args(argv)
    try:
        present_card(args.uri, args.uid, args.hold)
    except (ValueError, EmulatorBusy) as exc:
        parser.exit(2, f"error: {exc}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
