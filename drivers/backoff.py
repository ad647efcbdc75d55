"""Exponential backoff for reconnecting hardware.

Owns the one delay sequence every reconnect loop uses (readers, the display,
the print outbox): ``initial``, doubling, capped at ``maximum``, back to
``initial`` after a success. Standard library only, so any layer may import it.
"""

from __future__ import annotations

import threading

# Readers and the display: a replugged device is back within 5 s.
RECONNECT_INITIAL_S = 0.2
RECONNECT_MAX_S = 5.0


class Backoff:
    """The next wait of a retry loop; ``reset()`` once the device works again."""

    def __init__(self, initial: float, maximum: float) -> None:
        if initial <= 0 or maximum < initial:
            raise ValueError(f"backoff wants 0 < initial <= maximum, got {initial}, {maximum}")
        self.initial = initial
        self.maximum = maximum
        self._next = initial

    def next(self) -> float:
        """The delay to wait now; the one after it is twice as long (up to ``maximum``)."""
        delay = self._next
        self._next = min(delay * 2, self.maximum)
        return delay

    def reset(self) -> None:
        self._next = self.initial

    def wait(self, stop: threading.Event) -> bool:
        """Sleep the next delay unless ``stop`` is set first; True when stopped."""
        return stop.wait(self.next())
