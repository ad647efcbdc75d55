"""``tilledge mail status / resend / test`` against a real SMTP server."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from edge import mail
from edge.cli import cli
from edge.platform.box import Box
from edge.platform.config import load_config
from tests.edge.mail.conftest import FROM
from tests.support.smtp import SmtpServer


def _config_file(tmp_path: Path, port: int) -> Path:
    toml = tmp_path / "tilledge.toml"
    toml.write_text(
        f'[box]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[mail]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f'from_address = "{FROM}"\ntimeout_s = 5.0\n'
    )
    return toml


def _run(toml: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(toml), "mail", *args])
    return result.exit_code, result.output


def test_test_mail_status_and_resend(tmp_path: Path, smtp_server: SmtpServer) -> None:
    toml = _config_file(tmp_path, smtp_server.port)
    code, out = _run(toml, "test", "technik@example.org", "--json")
    assert code == 0 and json.loads(out) == {"outcome": "sent", "reason": ""}
    assert [m["To"] for m in smtp_server.received] == ["technik@example.org"]

    smtp_server.script("rcpt", "550 5.1.1 no such user")
    code, out = _run(toml, "test", "nobody@example.org")
    assert code == 1 and "failed: 550 5.1.1 no such user" in out

    with Box.open(load_config(toml, environ={})) as box:  # a crash left one uncertain
        mail_id = box.db.write(
            lambda conn: mail.enqueue(conn, to="kunde@example.org", subject="s", text="t")
        )
        box.db.write(
            lambda conn: conn.execute(
                "UPDATE mail_outbox SET state = 'uncertain' WHERE id = ?", [mail_id]
            )
        )
    code, out = _run(toml, "status", "--json")
    status = json.loads(out)
    assert code == 0 and status["uncertain"] == 1 and status["configured"] is True
    assert [m["id"] for m in status["attention"]] == [mail_id]

    code, out = _run(toml, "resend", str(mail_id), "--json")
    assert code == 0 and json.loads(out)["state"] == "queued"
    code, out = _run(toml, "resend", str(mail_id))
    assert code == 1 and "only uncertain or failed mails are resent" in out


def test_status_without_mail(tmp_path: Path) -> None:
    toml = tmp_path / "tilledge.toml"
    toml.write_text(f'[box]\ndata_dir = "{tmp_path / "data"}"\n')
    code, out = _run(toml, "status")
    assert code == 0 and "not configured" in out
    code, out = _run(toml, "test", "technik@example.org")
    assert code == 1 and "not configured" in out
