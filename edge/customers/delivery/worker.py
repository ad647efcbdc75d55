"""The geocoding worker: one daemon thread of ``tilledge serve`` that looks
up pending delivery addresses after their save, never inside a request.

Rules it keeps (BACKOFFICE §11):

- at most one request per ``geocoding.min_interval_s`` (≥ 1 s) for the whole
  box: only this thread asks, and it waits out the interval before each;
- a cache keyed by the normalised address (table ``geocode_cache``): a known
  address, found or not, is answered without a request;
- a 5xx, timeout or unreachable service is retried with doubling backoff;
  after ``max_attempts`` the address says ``failed`` with the reason;
- a 429 pauses every request for its Retry-After and does not count as a try;
- a manual pin always wins: a result is written only while the address is
  still pending under the key that was asked, so a pin or an edit made while
  the request was in flight is never overwritten.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import TYPE_CHECKING

from edge.customers.delivery import geocoder
from edge.platform.clock import now_iso
from edge.platform.config import GeocodingConfig
from edge.platform.outbox_worker import OutboxWorker, backoff

if TYPE_CHECKING:
    from edge.platform.box import Box

log = logging.getLogger(__name__)

SERVICE = "geocoder"
# The row is still the one that was asked about: pending, same key, no pin.
_STILL_ASKED = "id = ? AND geo_key = ? AND geo_state = 'pending' AND geo_source != 'manual'"


def retry_delay(cfg: GeocodingConfig, attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed try: doubling, capped."""
    return backoff(cfg.retry_initial_s, cfg.retry_max_s, attempts)


class GeocodeWorker(OutboxWorker):
    thread_name = "geocoder"

    def __init__(self, box: Box, *, idle_poll_s: float = 5.0) -> None:
        super().__init__(idle_poll_s=idle_poll_s)
        self.db = box.db
        self.cfg = box.config.geocoding
        self.requests = 0  # sent to the service (the cache answers the rest)
        self.handled = 0  # pending addresses taken up, however it ended
        self._last_request = float("-inf")  # time.monotonic() of the last one
        self._paused_until = 0.0  # time.time() before which a 429 says wait

    def next_due(self) -> tuple[sqlite3.Row | None, float | None]:
        paused = self._paused_until - time.time()
        if paused > 0:
            return None, paused
        reader = self.db.reader()
        row = reader.execute(
            "SELECT * FROM delivery_addresses WHERE geo_state = 'pending' AND geo_next_at <= ?"
            " ORDER BY geo_next_at, id LIMIT 1",
            [time.time()],
        ).fetchone()
        if row is not None:
            return row, None
        soonest = reader.execute(
            "SELECT min(geo_next_at) FROM delivery_addresses WHERE geo_state = 'pending'"
        ).fetchone()[0]
        return None, (None if soonest is None else max(0.0, soonest - time.time()))

    def _cached(self, key: str) -> geocoder.Outcome | None:
        row = (
            self.db.reader()
            .execute("SELECT latitude, longitude FROM geocode_cache WHERE key = ?", [key])
            .fetchone()
        )
        if row is None:
            return None
        if row["latitude"] is None:
            return geocoder.Outcome("not_found")
        return geocoder.Outcome("found", row["latitude"], row["longitude"])

    def _ask(self, row: sqlite3.Row) -> geocoder.Outcome | None:
        """One request, after the interval since the last one (None: stopping)."""
        wait = self._last_request + self.cfg.min_interval_s - time.monotonic()
        if wait > 0 and self._stop.wait(wait):
            return None
        self._last_request = time.monotonic()
        self.requests += 1
        try:
            return geocoder.lookup(
                self.cfg.url,
                dict(row),
                user_agent=self.cfg.user_agent,
                timeout_s=self.cfg.timeout_s,
            )
        finally:
            # The interval counts from the answer too: a slow service is not
            # asked again the moment it answers.
            self._last_request = time.monotonic()

    def handle(self, row: sqlite3.Row) -> None:
        try:
            self._handle(row)
        finally:
            self.handled += 1

    def _handle(self, row: sqlite3.Row) -> None:
        key = row["geo_key"]
        outcome = self._cached(key)
        fresh = outcome is None
        if outcome is None:
            outcome = self._ask(row)
            if outcome is None:
                return
        at = now_iso()
        if outcome.kind in ("found", "not_found"):
            self._settle(row["id"], key, outcome, at, cache=fresh)
        elif outcome.kind == "rate_limited":
            self._paused_until = time.time() + outcome.retry_after_s
            log.warning("geocoder: 429, pausing %.0fs", outcome.retry_after_s)
            self._update(row["id"], key, geo_next_at=self._paused_until, geo_error=outcome.reason)
        else:
            attempts = row["geo_attempts"] + 1
            if outcome.kind == "failed" or attempts >= self.cfg.max_attempts:
                reason = outcome.reason
                if outcome.kind == "retry":
                    reason = f"gave up after {attempts} tries: {reason}"
                log.warning("geocoder: address %s failed: %s", row["id"], reason)
                self._update(
                    row["id"], key, geo_state="failed", geo_attempts=attempts, geo_error=reason
                )
            else:
                delay = retry_delay(self.cfg, attempts)
                self._update(
                    row["id"],
                    key,
                    geo_attempts=attempts,
                    geo_error=outcome.reason,
                    geo_next_at=time.time() + delay,
                )

    def _update(self, address_id: int, key: str, **cols: object) -> None:
        sets = ", ".join(f"{c} = ?" for c in cols)
        sql = f"UPDATE delivery_addresses SET {sets} WHERE {_STILL_ASKED}"
        values = [*cols.values(), address_id, key]
        self.keep_trying(
            lambda: self.db.write(lambda conn: conn.execute(sql, values)), f"address {address_id}"
        )

    def _settle(
        self, address_id: int, key: str, outcome: geocoder.Outcome, at: str, *, cache: bool
    ) -> None:
        found = outcome.kind == "found"

        def txn(conn: sqlite3.Connection) -> None:
            if cache:
                conn.execute(
                    "INSERT OR REPLACE INTO geocode_cache (key, latitude, longitude, fetched_at)"
                    " VALUES (?, ?, ?, ?)",
                    [key, outcome.latitude, outcome.longitude, at],
                )
            conn.execute(
                "UPDATE delivery_addresses SET latitude = ?, longitude = ?, geo_source = ?,"
                f" geo_state = ?, geo_error = NULL, geocoded_at = ? WHERE {_STILL_ASKED}",
                [
                    outcome.latitude,
                    outcome.longitude,
                    "geocoder" if found else "none",
                    outcome.kind,
                    at,
                    address_id,
                    key,
                ],
            )

        self.keep_trying(lambda: self.db.write(txn), f"address {address_id} {outcome.kind}")


def configured(box: Box) -> bool:
    return bool(box.config.geocoding.url)


def attach(box: Box, *, start: bool = True) -> GeocodeWorker | None:
    """The worker for ``box`` as ``box.services["geocoder"]``, stopped on close;
    None (nothing started) without ``[geocoding] url``."""
    if not configured(box):
        return None
    worker = GeocodeWorker(box)
    box.services[SERVICE] = worker
    box.on_close(worker.stop)
    if start:
        worker.start_thread()
    return worker


def wake(box: Box) -> None:
    """After committing a save: wake this process's worker, if it runs one."""
    worker = box.services.get(SERVICE)
    if worker is not None:
        worker.wake()
