"""Small waiting helpers: tests wait on conditions with a deadline, never on
a fixed sleep."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from tests.support.fakes import wait_until

__all__ = ["Events", "wait_until"]


class Events:
    """Thread-safe recorder for driver callbacks."""

    def __init__(self) -> None:
        self.items: list[tuple[float, tuple[Any, ...]]] = []
        self._cond = threading.Condition()

    def __call__(self, *args: Any) -> None:
        with self._cond:
            self.items.append((time.monotonic(), args))
            self._cond.notify_all()

    @property
    def args(self) -> list[tuple[Any, ...]]:
        with self._cond:
            return [a for _, a in self.items]

    def wait_count(self, n: int, timeout: float = 5.0) -> list[tuple[Any, ...]]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.items) >= n, timeout):
                raise AssertionError(f"expected {n} events within {timeout}s, got {self.items}")
            return [a for _, a in self.items]

    def wait_for(self, predicate: Callable[[tuple[Any, ...]], bool], timeout: float = 5.0) -> float:
        """Wait for an event matching ``predicate``; return its timestamp."""
        with self._cond:
            found: list[float] = []

            def match() -> bool:
                found[:] = [t for t, a in self.items if predicate(a)]
                return bool(found)

            if not self._cond.wait_for(match, timeout):
                raise AssertionError(f"no matching event within {timeout}s: {self.items}")
            return found[0]
