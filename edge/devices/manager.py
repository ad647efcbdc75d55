"""Device lifecycle in one place: readers, printer, display and their workers.

:func:`attach` builds a :class:`DeviceManager` from ``[devices.*]``, registers
it as ``box.services["devices"]`` (``/health``, ``GET /devices``, the tap
flow, the outbox) and stops it on ``box.close()``. Only ``tilledge serve``
(:mod:`edge.serving.boot`) and tests that run the whole service attach one:
CLI commands that only touch the database and apps built for unit tests never
open hardware.

Drivers heal themselves (readers and the display reopen with backoff; the
printer is reconnected per job), so a fault here is always reported
(:mod:`edge.devices.health`), never fatal. Staff actions and the boot slip
are in :mod:`edge.devices.actions`. May import ``drivers``,
``edge.platform`` and the rest of ``edge.devices``; no Flask, no HTTP.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from drivers.display import CustomerDisplay
from drivers.nfc import Reader, ReaderPool, is_simulated
from drivers.printer import ReceiptPrinter
from edge.devices import actions, health, printing
from edge.devices.taps import TapHandler, checkout_lines

if TYPE_CHECKING:
    from edge.platform.box import Box

log = logging.getLogger(__name__)

__all__ = ["PRINTER_STATUS_S", "DeviceManager", "attach"]

PRINTER_STATUS_S = 10.0  # how often an idle printer is asked for its state

_D = TypeVar("_D")


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
                on_state=health.status_events(self.bus, "display"),
            )

        def make_printer() -> ReceiptPrinter:
            return printing.printer_for(box.config, health.status_events(self.bus, "printer"))

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
        reader_configs = cfg.nfc.readers if cfg.nfc.enabled else []
        terminals = {rc.name: rc.terminal for rc in reader_configs}
        self.taps = TapHandler(
            box.db,
            box.config,
            self.bus,
            terminals=terminals,
            simulated=[rc.name for rc in reader_configs if is_simulated(rc.uri)],
            show=self.show_message,
        )
        on_state = health.status_events(self.bus, "nfc")
        for rc in reader_configs:
            self.readers.add(Reader(rc.uri, rc.name, on_tap=self.taps, on_state=on_state))

    def _build(self, kind: str, make: Callable[[], _D]) -> _D | None:
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

    def _thread(self, fn: Callable[[], None], name: str) -> None:
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
                now = health.ERROR
            if now == health.OK and self.printer.job_fault:
                # Reachable again after a failed job: only printing the queue
                # proves it works; with nothing queued the fault is stale.
                if self.queued_jobs():
                    self.outbox.wake(retry_now=True)
                else:
                    self.printer.clear_fault()
            elif now == health.OK and was not in (health.OK, None):
                self.outbox.wake(retry_now=True)  # back: do not wait out the backoff
            was = now
            self._stop.wait(self.printer_status_s)

    # -- the service's own use of the devices ------------------------------
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

    def queued_jobs(self) -> int:
        row = (
            self.box.db.reader()
            .execute("SELECT count(*) FROM print_jobs WHERE state IN ('queued','printing')")
            .fetchone()
        )
        return int(row[0])

    def display_text(self) -> list[str]:
        """What the customer display shows now (the panel's mirror)."""
        if self.display is None:
            return []
        return self.display.current_text()

    # -- reports (edge.devices.health) and actions (edge.devices.actions) --
    def summary(self) -> dict[str, str]:
        return health.summary(self)

    def details(self) -> dict[str, Any]:
        return health.details(self)

    def states(self) -> dict[str, dict[str, str]]:
        return health.states(self)

    def show_text(self, lines: list[str]) -> None:
        actions.show_text(self, lines)

    def test_print(self) -> str:
        return actions.test_print(self)

    def simulate_tap(self, uid: str, reader: str | None = None) -> dict[str, Any]:
        return actions.simulate_tap(self, uid, reader)

    def can_simulate_taps(self) -> bool:
        return actions.simulated_reader(self) is not None

    def print_boot_slip(self, *, addresses: list[str], tls_fingerprint: str | None) -> str | None:
        return actions.print_boot_slip(self, addresses=addresses, tls_fingerprint=tls_fingerprint)


def attach(box: Box, *, start: bool = True) -> DeviceManager:
    """Create the manager for ``box``, register it, stop it on ``box.close()``."""
    manager = DeviceManager(box)
    box.services["devices"] = manager
    box.on_close(manager.stop)
    if start:
        manager.start()
    return manager
