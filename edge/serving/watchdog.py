"""The systemd watchdog (``WatchdogSec=`` in tilledge.service): a ping only
while the box really works.

Each round goes through what a hang would stop — one no-op transaction
through the single writer every money operation waits on, then
``GET /api/v1/health`` through the front door (TLS, granian, Flask) — and
only when both answer is ``WATCHDOG=1`` sent. A stuck writer or a wedged
event loop therefore stops the pings, and systemd restarts the service
after ``WatchdogSec``. Outside systemd (no ``WATCHDOG_USEC``) nothing runs.
"""

from __future__ import annotations

import logging
import os
import ssl
import threading
import urllib.request
from collections.abc import Callable

from edge.platform.box import Box

log = logging.getLogger(__name__)


def interval(environ: dict[str, str] | None = None) -> float | None:
    """Seconds between pings (half of what systemd allows), or None."""
    env = os.environ if environ is None else environ
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) <= 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1e6 / 2


def health_probe(url: str, timeout: float) -> Callable[[], bool]:
    """Whether ``url`` + /api/v1/health answers 200 (a box's own self-signed
    certificate: only the open health document is read)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    def probe() -> bool:
        kwargs = {"context": context} if url.startswith("https:") else {}
        with urllib.request.urlopen(f"{url}/api/v1/health", timeout=timeout, **kwargs) as r:
            return bool(r.status == 200)

    return probe


def start(box: Box, front: Callable[[], bool], notify: Callable[[str], None],
          every: float) -> threading.Event:  # fmt: skip
    """Ping ``notify("WATCHDOG=1")`` every ``every`` seconds while the writer
    and ``front`` answer; the returned event stops it."""
    stop = threading.Event()

    def loop() -> None:
        failing = False
        while not stop.wait(every):
            try:
                box.db.write(lambda conn: conn.execute("SELECT 1").fetchone())
                ok = front()
            except Exception as e:  # a failed round is no ping, said once
                ok = False
                if not failing:
                    log.warning("watchdog: no ping, the box does not answer: %s", e)
            if ok:
                notify("WATCHDOG=1")
            failing = not ok

    threading.Thread(target=loop, name="watchdog", daemon=True).start()
    return stop
