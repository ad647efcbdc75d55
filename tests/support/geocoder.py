"""A stand-in Nominatim on loopback for the geocoding tests (``http.server``).

It answers ``GET /search`` like Nominatim's ``format=jsonv2`` and records
every request with its arrival time (``time.monotonic()``). The ``mode``
says how it behaves:

- ``normal``: one hit whose coordinates come from the postcode (so the test
  knows what to expect), or ``[]`` for the postcode ``00000``;
- ``slow``: answers only after ``delay_s`` (a client with a shorter timeout
  gives up);
- ``failing``: ``500`` every time;
- ``rate-limited``: ``429`` with ``Retry-After: retry_after`` for the first
  ``limited`` requests, then normal;
- ``gated``: takes the request, answers (normally) only once :meth:`release`
  is called — a request the test knows to be in flight.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def coordinates(postcode: str) -> tuple[float, float]:
    """What the stand-in answers for a postcode: distinct per postcode."""
    n = int(postcode or 0)
    return 47.0 + (n % 1000) / 1000, 11.0 + (n // 1000 % 100) / 100


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet in test output
        pass

    def do_GET(self) -> None:
        owner = self.server.owner
        url = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        owner.record(url.path, params, self.headers.get("User-Agent", ""))
        status, headers, body = owner.answer(params)
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            for k, v in {"Content-Type": "application/json", **headers}.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out
            pass
        owner.answered += 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: Geocoder


class Geocoder:
    """``with Geocoder(mode) as g:`` — ``g.url`` is the ``[geocoding] url``."""

    def __init__(
        self, mode: str = "normal", *, delay_s: float = 2.0, retry_after: int = 2, limited: int = 1
    ) -> None:
        self.mode = mode
        self.delay_s = delay_s
        self.retry_after = retry_after
        self.limited = limited
        self.requests: list[dict[str, Any]] = []
        self.answered = 0
        self._gate = threading.Event()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def arrivals(self) -> list[float]:
        return [r["at"] for r in self.requests]

    def record(self, path: str, params: dict[str, str], agent: str) -> None:
        with self._lock:
            self.requests.append(
                {"at": time.monotonic(), "path": path, "params": params, "agent": agent}
            )

    def release(self) -> None:
        self._gate.set()

    def answer(self, params: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if self.mode == "failing":
            return 500, {}, {"error": "internal"}
        if self.mode == "rate-limited" and len(self.requests) <= self.limited:
            return 429, {"Retry-After": str(self.retry_after)}, {"error": "slow down"}
        if self.mode == "slow":
            time.sleep(self.delay_s)
        if self.mode == "gated":
            self._gate.wait(30)
        postcode = params.get("postalcode", "")
        if postcode == "00000":
            return 200, {}, []
        lat, lon = coordinates(postcode)
        return 200, {}, [{"place_id": 1, "lat": f"{lat:.7f}", "lon": f"{lon:.7f}",
                          "display_name": params.get("street", "")}]  # fmt: skip

    def __enter__(self) -> Geocoder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._gate.set()
        self._server.shutdown()
        self._server.server_close()
