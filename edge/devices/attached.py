"""What a running box has attached, as the reports and the staff actions see it.

:class:`AttachedDevices` is the shape :class:`edge.devices.manager.DeviceManager`
has and :mod:`edge.devices.health` and :mod:`edge.devices.actions` work on.
Naming it here lets those two take a manager without importing the module
that imports them. May import ``drivers``, ``edge.platform`` and
``edge.devices.taps``; no Flask.
"""

from __future__ import annotations

from typing import Protocol

from drivers.display import CustomerDisplay
from drivers.nfc import ReaderPool
from drivers.printer import ReceiptPrinter
from edge.devices.taps import TapHandler
from edge.platform.box import Box
from edge.platform.config import DevicesConfig

__all__ = ["AttachedDevices"]


class AttachedDevices(Protocol):
    box: Box
    config: DevicesConfig
    display: CustomerDisplay | None
    printer: ReceiptPrinter | None
    readers: ReaderPool
    taps: TapHandler
    # A device the config describes wrongly: kind → the reason, reported as "error".
    config_errors: dict[str, str]

    def show_message(self, lines: list[str]) -> None: ...

    def job_queued(self, job_id: str, kind: str) -> None: ...

    def queued_jobs(self) -> int: ...
