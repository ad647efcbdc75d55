"""What staff and the service ask of the devices besides their lifecycle.

Owns the panel's device actions (a test print, a test text on the display, a
simulated card tap) and the status slip queued at every service start. Each
works on the running devices (:class:`edge.devices.attached.AttachedDevices`)
and reports a missing device as :class:`RuntimeError`, a simulated tap
asked of a real reader as :class:`edge.errors.Conflict`. May import
``drivers``, ``edge.platform``, ``edge.devices.{attached,printing}`` and
``edge.security.{tls,pairing}`` (the fingerprint's printed form, the pairing
QR); no Flask.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from drivers.nfc import Reader
from drivers.nfc_sim import present_card
from drivers.receipts import status_slip
from drivers.uids import nfc_uid
from edge.devices import printing
from edge.devices.attached import AttachedDevices
from edge.errors import Conflict, NotFound
from edge.platform.clock import now_iso
from edge.platform.version import VERSION
from edge.security.pairing import qr_text
from edge.security.tls import colons

log = logging.getLogger(__name__)

__all__ = ["print_boot_slip", "show_text", "simulate_tap", "simulated_reader", "test_print"]


def show_text(devices: AttachedDevices, lines: list[str]) -> None:
    """Staff test text on the display (panel); falls back to idle like a greeting."""
    if devices.display is None:
        raise RuntimeError("no customer display is configured")
    devices.show_message([str(x) for x in lines])


def test_print(devices: AttachedDevices) -> str:
    """Queue a short test receipt; returns the job id."""
    if devices.printer is None:
        raise RuntimeError("no receipt printer is configured")
    config = devices.box.config
    title = "Testdruck" if config.devices.language == "de" else "Test print"
    lines = [config.box.name, now_iso(), "ÄÖÜ äöü ß €"]
    job_id = devices.box.db.write(lambda conn: printing.enqueue_text(conn, config, lines, title))
    devices.job_queued(job_id, "text")
    return job_id


def simulated_reader(devices: AttachedDevices, name: str | None = None) -> Reader | None:
    """The reader a simulated tap goes to: ``name``, else the first udp:/sim one."""
    if name is not None:
        try:
            found = devices.readers.get(name)
        except KeyError:
            raise NotFound(f"no reader {name!r}", reader=name) from None
        return found if found.simulated else None
    return next((r for r in devices.readers if r.simulated), None)


def simulate_tap(devices: AttachedDevices, uid: str, reader: str | None = None) -> dict[str, Any]:
    """A tap without a card, only on a reader without a radio (udp:, sim).

    A udp reader gets it over the air through nfcpy's udp transport (the
    reader's own thread sees the card, as with any emulator); a ``sim``
    reader has no transport, so the tap is handed to the tap flow directly.
    A real reader refuses: a person must not make a card appear on it.
    """
    norm = nfc_uid(uid)
    if not len(devices.readers):
        raise RuntimeError("no NFC reader is configured")
    target = simulated_reader(devices, reader)
    if target is None:
        real = devices.readers.get(reader) if reader else next(iter(devices.readers))
        raise Conflict(
            f"reader {real.name} is a real reader ({real.uri}): simulated taps only on"
            " udp: or sim readers",
            reader=real.name,
        )
    out = {"reader": target.name, "uid": norm, "simulated": True}
    if not target.uri.startswith("udp"):
        devices.taps(target.name, norm)
        return out

    # Through nfcpy's udp transport like a real card; in the background
    # because the card rests on the reader for a moment.
    def tap() -> None:
        try:
            present_card(target.uri, norm, 0.3)
        except Exception:
            log.exception("simulated tap on %s failed", target.uri)

    threading.Thread(target=tap, name="sim-tap", daemon=True).start()
    return out


def print_boot_slip(
    devices: AttachedDevices, *, addresses: list[str], tls_fingerprint: str | None
) -> str | None:
    """Queue the status slip for this start; older unprinted ones are superseded."""
    config = devices.box.config
    if devices.printer is None or not config.devices.printer.boot_slip:
        return None
    de = config.devices.language == "de"
    hint = (
        "tilledge pair auf der Box, Code am Terminal eingeben"
        if de
        else "run tilledge pair on the box, enter the code on the terminal"
    )
    no_tls = "- (nur HTTP auf loopback)" if de else "- (HTTP)"
    # The code a till scans to reach and pin this box; none without TLS
    # (nothing to pin, and plain HTTP is loopback only).
    pairing = qr_text(addresses[0], tls_fingerprint) if addresses and tls_fingerprint else None
    doc = status_slip(
        printing.box_info(config),
        addresses=addresses,
        tls_fingerprint=colons(tls_fingerprint, upper=False) if tls_fingerprint else no_tls,
        pairing_hint=hint,
        pairing_qr=pairing,
        version=VERSION,
        locale=config.devices.language,
        width=config.devices.printer.width,
    )

    def txn(conn: Any) -> str:
        conn.execute(
            "UPDATE print_jobs SET state = 'failed', last_error = 'superseded by a newer"
            " status slip', updated_at = ? WHERE kind = 'status' AND state = 'queued'",
            [now_iso()],
        )
        return printing.enqueue(conn, doc, kind="status")

    job_id = devices.box.db.write(txn)
    devices.job_queued(job_id, "status")
    return job_id
