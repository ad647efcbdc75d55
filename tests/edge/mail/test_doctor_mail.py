"""``tilledge doctor``'s mail check: the password file and mails that need a look."""

from __future__ import annotations

from pathlib import Path

from edge import mail
from edge.doctor.checks import Finding, mail_outbox
from edge.platform.box import Box
from edge.platform.clock import now
from edge.platform.config import load_config
from tests.edge.mail.conftest import mail_config


def _mail(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.status, f.detail) for f in findings]


def test_not_configured_is_ok(tmp_path: Path) -> None:
    config = load_config(overrides={"box.data_dir": str(tmp_path)}, environ={})
    assert _mail(mail_outbox(config, now())) == [("ok", "not configured: no e-mail is sent")]


def test_password_file_and_mails_needing_a_look(tmp_path: Path) -> None:
    secret = tmp_path / "smtp-password"
    extra = {"mail.user": "till", "mail.password_file": str(secret)}
    config = mail_config(tmp_path / "data", 25, **extra)
    with Box.open(config) as box:
        ((status, detail),) = _mail(mail_outbox(config, now()))
        assert status == "fail" and "missing or not readable" in detail

        secret.write_text("pw")
        secret.chmod(0o644)
        ((status, detail),) = _mail(mail_outbox(config, now()))
        assert status == "warn" and "readable by others" in detail

        secret.chmod(0o600)
        assert _mail(mail_outbox(config, now()))[0][0] == "ok"

        def one_failed(conn: object) -> None:
            mail.enqueue(conn, to="kunde@example.org", subject="s", text="t")
            conn.execute("UPDATE mail_outbox SET state = 'failed'")  # type: ignore[attr-defined]

        box.db.write(one_failed)
    ((status, detail),) = _mail(mail_outbox(config, now()))
    assert status == "warn" and detail == "1 failed, 0 uncertain mail(s)"
