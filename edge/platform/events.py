"""The in-process event bus behind ``GET /api/v1/events`` (SSE).

One process owns the readers, the printer and the database writer, so a card
tap, a settlement and the SSE stream meet here without a broker. The bus
keeps the last ``keep`` events for ``Last-Event-ID`` replay. Event ids start
at the boot time in microseconds and count up, so ids keep growing across
restarts and a client reconnecting after a restart is simply sent everything
the new process still holds.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    id: int
    name: str
    data: dict[str, Any]
    # For card.tapped: the terminal the reader is assigned to ("" = all).
    terminal: str = ""
    at: float = field(default_factory=time.time)

    def sse(self) -> str:
        payload = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))
        return f"id: {self.id}\nevent: {self.name}\ndata: {payload}\n\n"

    def visible_to(self, terminal: str | None) -> bool:
        return not terminal or not self.terminal or self.terminal == terminal


class EventBus:
    def __init__(self, keep: int = 1000) -> None:
        self._events: deque[Event] = deque(maxlen=keep)
        self._cond = threading.Condition()
        self._next = time.time_ns() // 1000
        self.closed = False

    def publish(self, name: str, data: dict[str, Any], *, terminal: str = "") -> Event:
        with self._cond:
            self._next += 1
            event = Event(self._next, name, data, terminal)
            self._events.append(event)
            self._cond.notify_all()
        return event

    @property
    def last_id(self) -> int:
        with self._cond:
            return self._events[-1].id if self._events else self._next

    def since(self, last_id: int) -> list[Event]:
        with self._cond:
            return [e for e in self._events if e.id > last_id]

    def wait(self, last_id: int, timeout: float) -> list[Event]:
        """Events after ``last_id``; blocks up to ``timeout`` s when there are none."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.closed:
                if self._events and self._events[-1].id > last_id:
                    return [e for e in self._events if e.id > last_id]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._cond.wait(remaining)
            return []

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()
