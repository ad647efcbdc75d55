"""The running box: config, database and long-lived services in one object.

``create_app`` builds one and stores it in ``app.extensions["tilledge"]``;
views reach it through :func:`edge.api.context.current_box`. CLI commands
build one without Flask. Keeping it in one place means start-up and shutdown of every service
(writer thread, device workers, discovery) happen in one order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edge.errors import StorageFull
from edge.platform import migrations, retention, sealing
from edge.platform.config import Config
from edge.platform.db import Database
from edge.platform.events import EventBus

log = logging.getLogger(__name__)


@dataclass
class Box:
    config: Config
    db: Database
    started_at: float = field(default_factory=time.time)
    services: dict[str, Any] = field(default_factory=dict)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def open(cls, config: Config, *, migrate: bool = True) -> Box:
        config.data_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if migrate:
            migrations.apply(config.db_path)
        box = cls(config=config, db=Database(config.db_path, max_batch=config.server.write_batch))
        bus = EventBus()
        box.services["events"] = bus
        box.on_close(bus.close)
        if migrate:
            _warn_unreadable_secrets(box.db)
            box.every(1.0, box.db.checkpoint, "wal-checkpoint")
            box.every(
                3600,
                lambda: box.db.write(retention.purge_idempotency_keys),
                "purge-idempotency-keys",
            )
        return box

    @property
    def box_id(self) -> str:
        row = self.db.reader().execute("SELECT value FROM box_meta WHERE key = 'box_id'").fetchone()
        return row["value"] if row else ""

    def every(self, seconds: float, fn: Callable[[], None], name: str) -> None:
        """Run ``fn`` now and then every ``seconds`` in a daemon thread until close."""
        stop = threading.Event()

        def loop() -> None:
            while True:
                try:
                    fn()
                except StorageFull:
                    # Health already says db: full; a traceback an hour adds
                    # nothing but more writes to the same full disk.
                    log.warning("periodic task %s skipped: the disk is full", name)
                except Exception:
                    log.exception("periodic task %s failed", name)
                if stop.wait(seconds):
                    return

        threading.Thread(target=loop, name=name, daemon=True).start()
        self.on_close(stop.set)

    def on_close(self, fn: Callable[[], None]) -> None:
        self._closers.append(fn)

    def __enter__(self) -> Box:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()
        self.db.close()


def _warn_unreadable_secrets(db: Database) -> None:
    """A box restored without its secrets key says so once, at start."""
    n = sealing.unreadable_count(db.reader())
    if n:
        log.warning(
            "%d staff account(s) have a second factor (TOTP) this box cannot open: %s is"
            " missing or not the key it was sealed with (restored from a backup made"
            " without --with-secrets-key?). They cannot log in until their second factor"
            " is re-enrolled with `tilledge user totp NAME`.",
            n,
            sealing.key_path(db.path),
        )
