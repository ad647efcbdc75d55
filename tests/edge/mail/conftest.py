"""A box with the mail outbox against a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge import mail
from edge.platform.box import Box
from edge.platform.config import Config, load_config
from tests.support.fakes import wait_until
from tests.support.smtp import SmtpServer

FROM = "kasse@laden.example"


def mail_config(data_dir: Path, port: int, **more: Any) -> Config:
    overrides: dict[str, Any] = {
        "box.data_dir": str(data_dir),
        "mail.host": "127.0.0.1",
        "mail.port": port,
        "mail.security": "none",
        "mail.from_address": FROM,
        "mail.from_name": "Café Nord",
        "mail.timeout_s": 5.0,
        # Short retries: tests wait for states, never for durations.
        "mail.retry_initial_s": 0.05,
        "mail.retry_max_s": 0.2,
    }
    overrides.update(more)
    return load_config(overrides=overrides, environ={})


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.close()


class Outbox:
    """A box whose outbox worker runs; enqueue commits and wakes it."""

    def __init__(self, config: Config) -> None:
        self.box = Box.open(config)
        worker = mail.attach(self.box)
        assert worker is not None
        self.worker = worker

    def enqueue(self, **fields: Any) -> int:
        fields.setdefault("to", "kunde@example.org")
        fields.setdefault("subject", "Ihre Rechnung")
        fields.setdefault("text", "Guten Tag,\n\nanbei Ihre Rechnung.\n")
        mail_id = self.box.db.write(lambda conn: mail.enqueue(conn, **fields))
        mail.wake(self.box)
        return mail_id

    def row(self, mail_id: int) -> dict[str, Any]:
        return mail.get(self.box.db.reader(), mail_id)

    def wait_state(self, mail_id: int, *states: str, timeout: float = 10.0) -> dict[str, Any]:
        wait_until(lambda: self.row(mail_id)["state"] in states, timeout=timeout)
        return self.row(mail_id)

    def close(self) -> None:
        self.box.close()


@pytest.fixture
def outbox(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[Outbox]:
    o = Outbox(mail_config(tmp_path / "data", smtp_server.port))
    yield o
    o.close()
