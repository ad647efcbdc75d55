"""Device lifecycle in one place: readers, printer, display and their workers.

:func:`attach` builds a :class:`DeviceManager` from ``[devices.*]``, registers
it as ``box.services["devices"]`` (``/health``, ``GET /devices``, the tap
flow, the outbox) and stops it on ``box.close()``. Only ``tilledge serve``
(and tests that run the whole service) attach one: CLI commands that only
touch the database and apps built for unit tests never open hardware.

Every driver reports state changes through a callback; they become
``device.status`` events (``{device, name, state, detail}``) and the
per-kind summary of ``/health``. Drivers heal themselves (readers and the
display reopen with backoff; the printer is reconnected per job), so a
fault here is always reported, never fatal.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path
from typing import Any

from drivers.display import CustomerDisplay
from drivers.nfc import Reader, ReaderPool
from drivers.printer import ReceiptPrinter
from drivers.receipts import status_slip
from edge import __version__
from edge.devices import printing
from edge.devices.taps import TapHandler, checkout_lines
from edge.platform.box import Box

log = logging.getLogger(__name__)

OK, OFFLINE, ERROR, DISABLED = "ok", "offline", "error", "disabled"
_RANK = {OK: 0, OFFLINE: 1, ERROR: 2}
PRINTER_STATUS_S = 10.0  # how often an idle printer is asked for its state


def _health_state(state: str | None) -> str:
    """Driver state → the API's ok|offline|error (paper out is an error)."""
    if state is None:
        return OFFLINE  # not opened yet
    return state if state in _RANK else ERROR


class DeviceManager:
    """Builds, starts and stops every configured device; reports their states."""

    def __init__(self, box: Box, *, printer_status_s: float = PRINTER_STATUS_S) -> None:
        self.box = box
        cfg = box.config.devices
        self.config = cfg
        self.bus = box.services["events"]
        self.printer_status_s = printer_status_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.started = False

        # A device the config describes wrongly (unknown code page or printer
        # profile) is reported as "error" with the reason; the rest of the box,
        # money included, runs on.
        self.config_errors: dict[str, str] = {}

        def make_display() -> CustomerDisplay:
            return CustomerDisplay(
                cfg.display.uri,
                cfg.display.protocol,
                columns=cfg.display.columns,
                rows=cfg.display.rows,
                codepage=cfg.display.codepage or None,
                baudrate=cfg.display.baudrate,
                idle_text=cfg.display.idle_text,
                on_state=self._on_state("display"),
            )

        def make_printer() -> ReceiptPrinter:
            return ReceiptPrinter(
                cfg.printer.uri,
                profile=cfg.printer.profile,
                codepage=cfg.printer.codepage,
                base_dir=box.config.data_path,
                on_state=self._on_state("printer"),
            )

        self.display: CustomerDisplay | None = None
        if cfg.display.enabled:
            self.display = self._build("display", make_display)
        self.printer: ReceiptPrinter | None = None
        self.outbox: printing.PrintWorker | None = None
        if cfg.printer.enabled:
            self.printer = self._build("printer", make_printer)
        if self.printer is not None:
            self.outbox = printing.PrintWorker(
                box.db,
                self.printer,
                publish=lambda name, data: self.bus.publish(name, data),
                retry_max_s=cfg.printer.retry_max_s,
                give_up_s=cfg.printer.give_up_s,
            )

        self.readers = ReaderPool()
        terminals: dict[str, str] = {}
        if cfg.nfc.enabled:
            for rc in cfg.nfc.readers:
                terminals[rc.name] = rc.terminal
        self.taps = TapHandler(
            box.db, box.config, self.bus, terminals=terminals, show=self.show_message
        )
        if cfg.nfc.enabled:
            for rc in cfg.nfc.readers:
                self.readers.add(
                    Reader(rc.uri, rc.name, on_tap=self.taps, on_state=self._on_state("nfc"))
                )

    def _build(self, kind: str, make: Any) -> Any:
        try:
            return make()
        except ValueError as exc:
            log.error("devices.%s: %s", kind, exc)
            self.config_errors[kind] = f"configuration: {exc}"
            return None

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        """Start display, outbox, tap flow and readers (in the order a tap needs them)."""
        if self.started:
            return
        self.started = True
        if self.display is not None:
            self.display.start()
        if self.outbox is not None:
            self.outbox.start()
            self._thread(self._watch_printer, "printer-status")
        self.readers.start()

    def stop(self) -> None:
        """Stop in reverse order: no new taps first, the outbox last."""
        if not self.started:
            return
        self.started = False
        self._stop.set()
        self.readers.stop()
        for t in self._threads:
            t.join(5.0)
        if self.outbox is not None:
            self.outbox.stop()
        if self.display is not None:
            self.display.stop()

    def _thread(self, fn: Any, name: str) -> None:
        t = threading.Thread(target=fn, name=name, daemon=True)
        self._threads.append(t)
        t.start()

    def _watch_printer(self) -> None:
        # The only place that asks an idle printer for its state: status()
        # opens a connection, so requests read the last known state instead.
        assert self.printer is not None and self.outbox is not None
        was = self.printer.state
        while not self._stop.is_set():
            try:
                now = self.printer.status()
            except Exception:
                log.exception("printer status failed")
                now = ERROR
            if now == OK and was not in (OK, None):
                self.outbox.wake(retry_now=True)  # back: do not wait out the backoff
            was = now
            self._stop.wait(self.printer_status_s)

    # -- states ------------------------------------------------------------
    def _on_state(self, kind: str) -> Any:
        def callback(name: str, state: str, detail: str) -> None:
            data = {"device": kind, "name": name, "state": _health_state(state), "detail": detail}
            if state not in _RANK:
                data["reason"] = state  # e.g. paper_out
            self.bus.publish("device.status", data)

        return callback

    def summary(self) -> dict[str, str]:
        """``/health``: one state per kind (the worst reader counts)."""
        out = {"nfc": DISABLED, "printer": DISABLED, "display": DISABLED}
        if len(self.readers):
            states = [_health_state(r.state) for r in self.readers]
            out["nfc"] = max(states, key=lambda s: _RANK[s])
        if self.printer is not None:
            out["printer"] = _health_state(self.printer.state)
        if self.display is not None:
            out["display"] = _health_state(self.display.state)
        for kind in self.config_errors:
            out[kind] = ERROR
        return out

    def details(self) -> dict[str, Any]:
        """``GET /devices`` and ``tilledge devices``: every device with its state."""
        readers = [
            {
                "name": r.name,
                "uri": r.uri,
                "terminal": self.taps.terminals.get(r.name) or None,
                "state": _health_state(r.state),
                "detail": r.detail,
                "taps": r.taps,
                "card_present": r.present_uid is not None,
            }
            for r in self.readers
        ]
        printer = None
        if self.printer is not None:
            printer = {
                "uri": self.printer.uri,
                "state": _health_state(self.printer.state),
                "raw_state": self.printer.state,
                "detail": self.printer.detail,
                "queued": self.queued_jobs(),
            }
        display = None
        if self.display is not None:
            display = {
                "uri": self.display.uri,
                "protocol": self.display.protocol.name,
                "codepage": self.display.protocol.codepage.name,
                "state": _health_state(self.display.state),
                "detail": self.display.detail,
                "text": self.display.current_text(),
            }
        for kind, reason in self.config_errors.items():
            if kind == "printer":
                printer = {"uri": self.config.printer.uri, "state": ERROR, "detail": reason}
            else:
                display = {"uri": self.config.display.uri, "state": ERROR, "detail": reason}
        return {
            "summary": self.summary(),
            "nfc": {"enabled": self.config.nfc.enabled, "readers": readers},
            "printer": printer,
            "display": display,
        }

    def queued_jobs(self) -> int:
        row = (
            self.box.db.reader()
            .execute("SELECT count(*) FROM print_jobs WHERE state IN ('queued','printing')")
            .fetchone()
        )
        return int(row[0])

    def states(self) -> dict[str, dict[str, str]]:
        """Per kind ``{state, detail}`` (the panel's devices page)."""
        summary = self.summary()
        details = {
            "nfc": "; ".join(f"{r.name}: {r.detail}" for r in self.readers if r.detail),
            "printer": self.printer.detail if self.printer is not None else "",
            "display": self.display.detail if self.display is not None else "",
        }
        details.update(self.config_errors)
        return {k: {"state": v, "detail": details[k]} for k, v in summary.items()}

    def display_text(self) -> list[str]:
        """What the customer display shows now (the panel's mirror)."""
        if self.display is None:
            return []
        return self.display.current_text()

    # -- actions -----------------------------------------------------------
    def show_text(self, lines: list[str]) -> None:
        """Staff test text on the display (panel); falls back to idle like a greeting."""
        if self.display is None:
            raise RuntimeError("no customer display is configured")
        self.show_message([str(x) for x in lines])

    def test_print(self) -> str:
        """Queue a short test receipt; returns the job id."""
        if self.printer is None:
            raise RuntimeError("no receipt printer is configured")
        config = self.box.config
        title = "Testdruck" if config.devices.language == "de" else "Test print"
        lines = [config.box.name, printing._now_iso(), "ÄÖÜ äöü ß €"]
        job_id = self.box.db.write(lambda conn: printing.enqueue_text(conn, config, lines, title))
        self.job_queued(job_id, "text")
        return job_id

    def simulate_tap(self, uid: str, reader: str | None = None) -> None:
        """A tap without a card: over the air for a udp reader, else injected."""
        from drivers.nfc import normalize_uid
        from drivers.nfc_sim import present_card

        norm = normalize_uid(uid)
        readers = list(self.readers)
        if reader is not None:
            readers = [self.readers.get(reader)]
        if not readers:
            raise RuntimeError("no NFC reader is configured")
        target = readers[0]
        if target.uri.startswith("udp"):
            # Through nfcpy's udp transport like a real card; in the background
            # because the card rests on the reader for a moment.
            def tap() -> None:
                try:
                    present_card(target.uri, norm, 0.3)
                except Exception:
                    log.exception("simulated tap on %s failed", target.uri)

            threading.Thread(target=tap, name="sim-tap", daemon=True).start()
        else:
            self.taps(target.name, norm)

    def show_message(self, lines: list[str]) -> None:
        """Customer-facing text that falls back to the idle text after ``message_s``."""
        if self.display is not None:
            self.display.show(lines, timeout=self.config.display.message_s)

    def after_checkout(self, body: dict[str, Any]) -> None:
        """Once a checkout is committed: total and new balance, wake the printer.

        Runs in the request after the commit: it must never turn a completed
        sale into an error response, so every failure is only logged.
        """
        try:
            self.show_message(checkout_lines(self.box.config, body))
            if body.get("receipt_job_id"):
                self.job_queued(str(body["receipt_job_id"]), "checkout")
        except Exception:
            log.exception("checkout %s: display/printer follow-up failed", body.get("checkout_id"))

    def job_queued(self, job_id: str, kind: str) -> None:
        self.bus.publish("receipt.status", {"job_id": job_id, "state": "queued", "kind": kind})
        if self.outbox is not None:
            self.outbox.wake()

    def print_boot_slip(self, *, addresses: list[str], tls_fingerprint: str | None) -> str | None:
        """Queue the status slip for this start; older unprinted ones are superseded."""
        if self.printer is None or not self.config.printer.boot_slip:
            return None
        config = self.box.config
        fingerprint = tls_fingerprint or ""
        if fingerprint and ":" not in fingerprint:
            fingerprint = ":".join(fingerprint[i : i + 2] for i in range(0, len(fingerprint), 2))
        de = config.devices.language == "de"
        hint = (
            "tilledge pair auf der Box, Code am Terminal eingeben"
            if de
            else "run tilledge pair on the box, enter the code on the terminal"
        )
        doc = status_slip(
            printing.box_info(config),
            addresses=addresses,
            tls_fingerprint=fingerprint or ("- (nur HTTP auf loopback)" if de else "- (HTTP)"),
            pairing_hint=hint,
            version=__version__,
            locale=config.devices.language,
            width=config.devices.printer.width,
        )

        def txn(conn: Any) -> str:
            conn.execute(
                "UPDATE print_jobs SET state = 'failed', last_error = 'superseded by a newer"
                " status slip', updated_at = ? WHERE kind = 'status' AND state = 'queued'",
                [printing._now_iso()],
            )
            return printing.enqueue(conn, doc, kind="status")

        job_id = self.box.db.write(txn)
        self.job_queued(job_id, "status")
        return job_id


def attach(box: Box, *, start: bool = True) -> DeviceManager:
    """Create the manager for ``box``, register it, stop it on ``box.close()``."""
    manager = DeviceManager(box)
    box.services["devices"] = manager
    box.on_close(manager.stop)
    if start:
        manager.start()
    return manager


def service_addresses(box: Box, host: str, port: int, scheme: str) -> list[str]:
    """Where terminals reach the box (for the status slip)."""
    hosts = [host]
    if host in ("0.0.0.0", "::", ""):
        hosts = [h for h in box.config.discovery.interfaces] or ["127.0.0.1"]
    return [f"{scheme}://{h if ':' not in h else f'[{h}]'}:{port}" for h in hosts]


def receipts_dir(box: Box) -> Path | None:
    """The folder of a simulated printer (``sim:DIR``), for people and tests."""
    uri = box.config.devices.printer.uri
    if not uri.startswith("sim:"):
        return None
    folder = Path(uri[4:] or ".")
    return folder if folder.is_absolute() else box.config.data_path / folder


def start_for_serve(
    box: Box, *, host: str, port: int, scheme: str, tls_fingerprint: str | None
) -> DeviceManager:
    """What ``tilledge serve`` does once it listens: devices up, then the boot slip."""
    manager = attach(box)
    if tls_fingerprint is None:
        from edge.security import tls

        with contextlib.suppress(OSError, ValueError):  # no certificate yet: none to show
            cert = tls.current(box.config)
            tls_fingerprint = cert.fingerprint if cert else None
    try:
        manager.print_boot_slip(
            addresses=service_addresses(box, host, port, scheme), tls_fingerprint=tls_fingerprint
        )
    except Exception:  # a slip is a convenience; the service runs without it
        log.exception("boot status slip could not be queued")
    return manager
