"""What every driver shares: a state with its callback, and a self-healing worker.

:class:`Device` holds ``state``/``detail`` and fires ``on_state(name, state,
detail)`` once per change; :class:`ReconnectingDevice` adds the worker
thread that opens the hardware, serves it until it fails, and reopens it with
:class:`drivers.backoff.Backoff`. Drivers fill in the hardware-specific steps.
Imports only the standard library and :mod:`drivers.backoff`.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Self

from drivers.backoff import RECONNECT_INITIAL_S, RECONNECT_MAX_S, Backoff

__all__ = ["ERROR", "OFFLINE", "OK", "Device", "ReconnectingDevice", "StateCallback"]

OK = "ok"
OFFLINE = "offline"
ERROR = "error"

StateCallback = Callable[[str, str, str], None]
"""``on_state(device_name, state, detail)``: ``ok|offline|error`` (printers: ``paper_out``)."""


class Device:
    """A named device with a last known state; ``kind`` labels its log lines."""

    kind = "device"

    def __init__(self, name: str, on_state: StateCallback | None = None) -> None:
        self.name = name
        self.on_state = on_state
        self.state: str | None = None  # None: not opened yet
        self.detail = ""
        # Log as the driver's own module (drivers.nfc, …), not as this base.
        self._log = logging.getLogger(type(self).__module__)

    def _set_state(self, state: str, detail: str) -> None:
        """Record ``state``; the callback (and the log) hear of changes only."""
        if state == self.state:
            self.detail = detail
            return
        self.state, self.detail = state, detail
        level = logging.INFO if state == OK else logging.WARNING
        self._log.log(level, "%s %s: %s (%s)", self.kind, self.name, state, detail)
        self._call("on_state", self.on_state, state, detail)

    def _call(self, what: str, callback: Callable[..., Any] | None, *args: Any) -> None:
        # Callbacks belong to the caller (an event bus, a queue): a failing one
        # is logged and must never kill the driver's thread.
        if callback is None:
            return
        try:
            callback(self.name, *args)
        except Exception:
            self._log.exception("%s %s: %s callback failed", self.kind, self.name, what)


class ReconnectingDevice(Device, ABC):
    """A device served by its own thread: open, serve, on failure reopen with backoff.

    Subclasses implement :meth:`_connect` (open the hardware, return a handle;
    raise when it is not there), :meth:`_serve` (work until ``_stop`` is set;
    raise when the hardware fails) and :meth:`_disconnect`; :meth:`_connect`
    reports ``ok``, every failure is reported as :meth:`_classify` says.
    """

    def __init__(
        self,
        name: str,
        on_state: StateCallback | None = None,
        *,
        backoff_initial: float = RECONNECT_INITIAL_S,
        backoff_max: float = RECONNECT_MAX_S,
    ) -> None:
        super().__init__(name, on_state)
        self.backoff = Backoff(backoff_initial, backoff_max)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"{self.kind}-{self.name}", daemon=True
        )
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the worker to stop without waiting (to stop several at once)."""
        self._stop.set()
        self._wake()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker and close the hardware; returns within ``timeout``."""
        self.request_stop()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                self._log.warning("%s %s did not stop within %.1fs", self.kind, self.name, timeout)
        self._thread = None

    @property
    def running(self) -> bool:
        return bool(self._thread and self._thread.is_alive())

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the worker --------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                handle = self._connect()
            except Exception as exc:
                self._set_state(*self._classify(exc))
                if self.backoff.wait(self._stop):
                    break
                continue
            self.backoff.reset()
            try:
                self._serve(handle)
            except Exception as exc:
                self._set_state(*self._classify(exc))
            finally:
                self._disconnect(handle)
            if not self._stop.is_set():
                self.backoff.wait(self._stop)

    def _wake(self) -> None:
        """Interrupt a wait in :meth:`_serve` other than ``_stop.wait`` (a hook)."""

    def _classify(self, exc: BaseException) -> tuple[str, str]:
        """(state, detail) for a failure; by default the device is offline."""
        return OFFLINE, str(exc)

    @abstractmethod
    def _connect(self) -> Any:
        """Open the hardware and report ``ok``; raise when it cannot be opened."""

    @abstractmethod
    def _serve(self, handle: Any) -> None:
        """Work with the open hardware until ``_stop`` is set; raise on a fault."""

    @abstractmethod
    def _disconnect(self, handle: Any) -> None:
        """Close the hardware (it may be gone already)."""
