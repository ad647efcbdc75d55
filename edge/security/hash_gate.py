"""At most N password hashes at once: login must not be a CPU weapon.

An argon2id check costs ~64 MiB and tens of milliseconds of a core; 32
parallel logins with made-up names would otherwise take both cores of the
box from the money operations. A gate holds ``limit`` slots; ``queue`` more
callers may wait up to ``wait_s`` for one, anyone beyond is refused at once
(the panel answers 429 "too many logins"), so waiting logins never pile up
on the server's threads either. Unknown names go through the same gate (their
dummy hash keeps timing alike), so they cost no more than real ones.

The hashes themselves run on the gate's own ``limit`` threads at the lowest
CPU priority (nice 19, Linux sets it per thread): on a loaded box the kernel
runs API requests first and a login merely takes a little longer.

The gate is per process: with ``server.workers`` N the box hashes at most
N × ``login_hash_concurrency`` at once. No imports of the project.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
LOWEST = 19  # nice value of the hashing threads

__all__ = ["HashGate", "gate"]


class HashGate:
    def __init__(self, limit: int, queue: int, wait_s: float) -> None:
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._waiting = 0
        self.queue = queue
        self.wait_s = wait_s
        self._pool = ThreadPoolExecutor(limit, "password-hash", initializer=_lowest_priority)

    def run(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on a low-priority hashing thread (call inside a slot;
        the caller's thread waits without the GIL)."""
        return self._pool.submit(fn, *args).result()

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


def _lowest_priority() -> None:
    # Not permitted or not per-thread here: hash at normal priority then.
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST)


_gates: dict[tuple[int, int, float], HashGate] = {}
_gates_lock = threading.Lock()


def gate(limit: int, queue: int, wait_s: float) -> HashGate:
    """The process's gate for these settings (one per configuration)."""
    with _gates_lock:
        key = (limit, queue, wait_s)
        if key not in _gates:
            _gates[key] = HashGate(limit, queue, wait_s)
        return _gates[key]
