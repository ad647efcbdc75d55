"""Panel logins from many client addresses, as a LAN attacker would send them:
each from its own loopback source address (127.0.x.y — all of 127/8 is
local on Linux), with its own session cookie and CSRF token.

Standard library only: the login-flood benchmark imports it too.
"""

from __future__ import annotations

import http.client
import re
import threading
import urllib.parse
from collections import Counter

__all__ = ["flood", "loopback_addresses", "panel_login"]

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def loopback_addresses(n: int) -> list[str]:
    """``n`` distinct client addresses: 127.0.2.1, 127.0.2.2, …"""
    return [f"127.0.{2 + i // 250}.{1 + i % 250}" for i in range(n)]


def _conn(port: int, source: str) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))


def login_form(port: int, source: str) -> tuple[str, str]:
    """``GET /login``: the session cookie and the form's CSRF token."""
    conn = _conn(port, source)
    try:
        conn.request("GET", "/login")
        resp = conn.getresponse()
        html = resp.read().decode()
        cookie = (resp.getheader("Set-Cookie") or "").split(";", 1)[0]
    finally:
        conn.close()
    m = _CSRF.search(html)
    assert m and cookie, (resp.status, html[:200])
    return cookie, m.group(1)


def panel_login(port: int, source: str, form: tuple[str, str], name: str, password: str) -> int:
    """``POST /login`` from ``source``: the status (302 in, 401 wrong, 429 refused)."""
    cookie, token = form
    body = urllib.parse.urlencode({"csrf_token": token, "name": name, "password": password})
    conn = _conn(port, source)
    try:
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        conn.request("POST", "/login", body, headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def flood(
    port: int,
    sources: list[str],
    rounds: int,
    *,
    stop: threading.Event | None = None,
    interval: float = 0.0,
) -> Counter[int]:
    """Every address logs in ``rounds`` times with a made-up name, all
    addresses at once (a barrier before each round) — or, with ``stop``, one
    login per ``interval`` seconds each until ``stop`` is set. The statuses
    counted (0: no answer, e.g. the connection was refused)."""
    forms = {s: login_form(port, s) for s in sources}
    start = threading.Barrier(len(sources))
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def attacker(source: str) -> None:
        i = 0
        while (i < rounds) if stop is None else not stop.is_set():
            if stop is None:
                start.wait(30)
            elif i:
                stop.wait(interval)
            try:
                status = panel_login(port, source, forms[source], f"nobody-{source}-{i}", "x" * 12)
            except OSError:
                status = 0
            with lock:
                statuses[status] += 1
            i += 1

    threads = [threading.Thread(target=attacker, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return statuses
