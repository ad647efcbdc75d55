"""The doctor inside the running service: every few minutes in a background
thread, and at once when a manager asks on the panel.

The panel only reads :attr:`Doctor.latest` and may ask :meth:`Doctor.run_now`,
which starts a thread and returns: a check (``PRAGMA quick_check``, the
journal verify, an mDNS browse) never runs in a request, so no till waits on
it. One run at a time; a second ask while one runs is a no-op.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from edge.doctor.checks import Check, Report, examine_config

if TYPE_CHECKING:
    from edge.platform.box import Box

__all__ = ["INTERVAL_S", "Checked", "Doctor", "attach"]

#: Often enough that the box page is current when someone looks, rare enough
#: that a quick_check and a journal verify are noise on a Pi.
INTERVAL_S = 300.0
SERVICE = "doctor"


@dataclass(frozen=True)
class Checked:
    at: datetime
    report: Report


class Doctor:
    def __init__(self, box: Box, extra: Sequence[Check] = ()) -> None:
        self.box = box
        self.extra = tuple(extra)
        self.latest: Checked | None = None
        self._busy = threading.Lock()

    @property
    def running(self) -> bool:
        return self._busy.locked()

    def run(self) -> None:
        """One run now, in the caller's thread (skipped if one is running)."""
        if not self._busy.acquire(blocking=False):
            return
        try:
            at = datetime.now(UTC)
            self.latest = Checked(at, examine_config(self.box.config, now=at, extra=self.extra))
        finally:
            self._busy.release()

    def run_now(self) -> None:
        """A run in the background; returns at once."""
        threading.Thread(target=self.run, name="doctor-now", daemon=True).start()


def attach(box: Box, extra: Sequence[Check] = (), interval: float = INTERVAL_S) -> Doctor:
    """The box's doctor, run now and every ``interval`` seconds until close."""
    doctor = Doctor(box, extra)
    box.services[SERVICE] = doctor
    box.every(interval, doctor.run, "doctor")
    return doctor
