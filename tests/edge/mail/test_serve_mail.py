"""``tilledge serve`` runs the mail outbox: a mail queued before the start (by
another process) is sent, and /health counts it."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

from edge import mail
from edge.platform.box import Box
from edge.platform.config import load_config
from tests.edge.mail.conftest import FROM
from tests.support.fakes import wait_until
from tests.support.live import free_tcp_port, serving
from tests.support.smtp import SmtpServer


def _health(port: int) -> dict | None:  # type: ignore[type-arg]
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1) as r:
            return json.loads(r.read())  # type: ignore[no-any-return]
    except OSError:
        return None


def test_serve_sends_the_outbox(tmp_path: Path, smtp_server: SmtpServer) -> None:
    port = free_tcp_port()
    cfg = tmp_path / "tilledge.toml"
    cfg.write_text(
        f'[box]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[server]\nlisten = "127.0.0.1:{port}"\n'
        "[devices.nfc]\nenabled = false\n[devices.printer]\nenabled = false\n"
        "[devices.display]\nenabled = false\n[discovery]\nenabled = false\n"
        f'[mail]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
        f'from_address = "{FROM}"\n',
        encoding="utf-8",
    )
    with Box.open(load_config(cfg, environ={})) as box:
        box.db.write(
            lambda conn: mail.enqueue(
                conn, to="kunde@example.org", subject="queued before the start", text="t"
            )
        )
    with serving(cfg, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE):
        wait_until(lambda: len(smtp_server.received) == 1, timeout=30)
        health = wait_until(lambda: _health(port), timeout=30)
        assert health["mail"]["configured"] is True
        wait_until(lambda: (_health(port) or {}).get("mail", {}).get("queued") == 0, timeout=10)
    assert smtp_server.received[0]["Subject"] == "queued before the start"
