"""The running box: config, database and long-lived services in one object.

``create_app`` builds one and stores it in ``app.extensions["tilledge"]``;
views reach it through :func:`current_box`. CLI commands build one without
Flask. Keeping it in one place means start-up and shutdown of every service
(writer thread, device workers, discovery) happen in one order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from . import migrations
from .config import Config
from .db import Database
from .events import EventBus


@dataclass
class Box:
    config: Config
    db: Database
    started_at: float = field(default_factory=time.time)
    services: dict[str, Any] = field(default_factory=dict)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def open(cls, config: Config, *, migrate: bool = True) -> Box:
        config.data_path.mkdir(parents=True, exist_ok=True)
        if migrate:
            migrations.apply(config.db_path)
        box = cls(config=config, db=Database(config.db_path))
        bus = EventBus()
        box.services["events"] = bus
        box.on_close(bus.close)
        return box

    @property
    def box_id(self) -> str:
        row = self.db.reader().execute("SELECT value FROM box_meta WHERE key = 'box_id'").fetchone()
        return row["value"] if row else ""

    def on_close(self, fn: Callable[[], None]) -> None:
        self._closers.append(fn)

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()
        self.db.close()


def current_box() -> Box:
    return current_app.extensions["tilledge"]  # type: ignore[no-any-return]
