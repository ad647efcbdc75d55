"""At most N password hashes at once: login must not be a CPU weapon.

An argon2id check costs ~64 MiB and tens of milliseconds of a core; 32
parallel logins with made-up names would otherwise take both cores of the
box from the money operations. A gate holds ``limit`` slots; ``queue`` more
callers may wait up to ``wait_s`` for one, anyone beyond is refused at once
(the panel answers 429 "too many logins"), so waiting logins never pile up
on the server's threads either. Unknown names go through the same gate (their
dummy hash keeps timing alike), so they cost no more than real ones.

The gate is per process: with ``server.workers`` N the box hashes at most
N × ``login_hash_concurrency`` at once. No imports of the project.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["HashGate", "gate"]


class HashGate:
    def __init__(self, limit: int, queue: int, wait_s: float) -> None:
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._waiting = 0
        self.queue = queue
        self.wait_s = wait_s

    def _acquire(self) -> bool:
        if self._slots.acquire(blocking=False):
            return True
        with self._lock:
            if self._waiting >= self.queue:
                return False
            self._waiting += 1
        try:
            return self._slots.acquire(timeout=self.wait_s)
        finally:
            with self._lock:
                self._waiting -= 1

    @contextmanager
    def slot(self) -> Iterator[bool]:
        """``with gate.slot() as ok:`` — hash only when ``ok``; the slot is
        released when the block ends."""
        got = self._acquire()
        try:
            yield got
        finally:
            if got:
                self._slots.release()


_gates: dict[tuple[int, int, float], HashGate] = {}
_gates_lock = threading.Lock()


def gate(limit: int, queue: int, wait_s: float) -> HashGate:
    """The process's gate for these settings (one per configuration)."""
    with _gates_lock:
        key = (limit, queue, wait_s)
        if key not in _gates:
            _gates[key] = HashGate(limit, queue, wait_s)
        return _gates[key]
