"""The Devices & box page shows the mail outbox of a box with [mail] set."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge import mail
from edge.platform.box import Box
from edge.platform.config import Config, load_config
from tests.support.panel import Panel


@pytest.fixture
def config(tmp_path: Path) -> Config:
    overrides = {
        "box.data_dir": str(tmp_path / "data"),
        "mail.host": "127.0.0.1",
        "mail.security": "none",
        "mail.from_address": "kasse@laden.example",
    }
    return load_config(overrides=overrides, environ={})


def test_devices_page_counts_the_mail_outbox(cashier: Panel, staff: Box) -> None:
    def queue_two_one_failed(conn: object) -> None:
        for n in (1, 2):
            mail.enqueue(conn, to="kunde@example.org", subject=f"Rechnung {n}", text="t")
        conn.execute("UPDATE mail_outbox SET state = 'failed' WHERE id = 1")  # type: ignore[attr-defined]

    staff.db.write(queue_two_one_failed)
    html = cashier.text("/devices")
    assert "1 waiting, 1 failed, 0 uncertain" in html
    assert "not configured" not in html
