"""The outbox's rules beyond one delivery: a restart during DATA leaves the
mail uncertain and unsent, one idempotency key is one mail, no [mail] host
queues nothing, and what enqueue and the config refuse."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from edge import mail
from edge.mail.worker import INTERRUPTED
from edge.platform.box import Box
from edge.platform.clock import now_iso
from edge.platform.config import ConfigError, load_config
from edge.platform.db import connect
from tests.edge.mail.conftest import FROM, Outbox, mail_config
from tests.support.fakes import wait_until
from tests.support.live import serve_env
from tests.support.paths import ROOT
from tests.support.smtp import SmtpServer

SERVICE = textwrap.dedent(
    """
    import sys, time
    from edge import mail
    from edge.platform.box import Box
    from edge.platform.config import load_config

    box = Box.open(load_config(sys.argv[1], environ={}))
    mail.attach(box)
    box.db.write(lambda conn: mail.enqueue(
        conn, to="kunde@example.org", subject="before the crash", text="x",
        ref_kind="invoice", ref_id="1"))
    mail.wake(box)
    time.sleep(120)
    """
)


def _state(db_path: Path) -> str:
    conn = connect(db_path, readonly=True)
    try:
        row = conn.execute("SELECT state FROM mail_outbox WHERE id = 1").fetchone()
        return row["state"] if row else ""
    finally:
        conn.close()


def test_a_crash_during_data_leaves_it_uncertain_and_never_resent(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    data = tmp_path / "data"
    toml = tmp_path / "tilledge.toml"
    toml.write_text(
        f'[box]\ndata_dir = "{data}"\n'
        f'[mail]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
        f'from_address = "{FROM}"\nretry_initial_s = 0.05\n'
    )
    smtp_server.script("data", "hold")  # takes the mail, answers only later
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVICE, str(toml)],
        cwd=ROOT,
        env={**serve_env(), "PYTHONPATH": str(ROOT)},
    )
    try:
        wait_until(lambda: len(smtp_server.received) == 1, timeout=30)
        assert _state(data / "tilledge.db") == "sending"
        proc.send_signal(signal.SIGKILL)  # the box dies before the server's 250
        proc.wait(10)
    finally:
        proc.kill()
    smtp_server.release()  # the server delivers it: the recipient has the mail

    box = Outbox(load_config(toml, environ={}))  # the restart
    try:
        (row,) = mail.state_of(box.box.db.reader(), "invoice", "1")
        assert row["state"] == "uncertain" and row["last_error"] == INTERRUPTED
        box.wait_state(box.enqueue(subject="after the restart"), "sent")
        assert box.row(1)["state"] == "uncertain"
        assert [m["Subject"] for m in smtp_server.received] == [
            "before the crash",
            "after the restart",
        ]
    finally:
        box.close()


def test_one_idempotency_key_is_one_mail(outbox: Outbox, smtp_server: SmtpServer) -> None:
    first = outbox.enqueue(subject="Rechnung 1", idempotency="invoice:1:mail")
    again = outbox.enqueue(subject="Rechnung 1 (again)", idempotency="invoice:1:mail")
    assert again == first
    outbox.wait_state(first, "sent")
    other = outbox.enqueue(subject="Rechnung 2", idempotency="invoice:2:mail")
    outbox.wait_state(other, "sent")
    # A retry after the first was sent still queues nothing.
    assert outbox.enqueue(idempotency="invoice:1:mail") == first
    assert outbox.box.db.reader().execute("SELECT count(*) FROM mail_outbox").fetchone()[0] == 2
    outbox.wait_state(other, "sent")
    assert [m["Subject"] for m in smtp_server.received] == ["Rechnung 1", "Rechnung 2"]


def test_no_mail_host_queues_nothing(tmp_path: Path) -> None:
    config = load_config(overrides={"box.data_dir": str(tmp_path / "data")}, environ={})
    assert not mail.mail_configured(config)
    with Box.open(config) as box:
        assert mail.attach(box) is None and "mail" not in box.services
        got = box.db.write(
            lambda conn: mail.enqueue_if_configured(
                conn, config, to="kunde@example.org", subject="x", text="y"
            )
        )
        assert got is None
        mail.wake(box)  # nothing to wake: no error either
        assert box.db.reader().execute("SELECT count(*) FROM mail_outbox").fetchone()[0] == 0
        assert mail.outbox_summary(box.db.reader())["queued"] == 0


def test_configured_box_queues_in_the_callers_transaction(tmp_path: Path) -> None:
    config = mail_config(tmp_path / "data", 1)
    with Box.open(config) as box:  # no worker: only the rows matter here
        assert mail.mail_configured(config)

        def issue_then_fail(conn: object) -> None:
            mail.enqueue_if_configured(conn, config, to="kunde@example.org", subject="x", text="y")
            raise RuntimeError("the invoice could not be issued")

        with pytest.raises(RuntimeError):
            box.db.write(issue_then_fail)
        assert box.db.reader().execute("SELECT count(*) FROM mail_outbox").fetchone()[0] == 0
        mail_id = box.db.write(
            lambda conn: mail.enqueue_if_configured(
                conn,
                config,
                to="kunde@example.org",
                subject="x",
                text="y",
                attachments=[mail.Attachment("a.pdf", "application/pdf", b"%PDF")],
            )
        )
        assert mail.get(box.db.reader(), mail_id)["state"] == "queued"
        summary = mail.outbox_summary(box.db.reader())
        assert summary["queued"] == 1 and summary["oldest_queued_s"] is not None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"to": "not-an-address"}, "to:"),
        ({"subject": "Rechnung\r\nBcc: everyone@example.org"}, "subject:"),
        ({"attachments": [mail.Attachment("../../etc/passwd", "text/plain", b"")]}, "name"),
        ({"attachments": [mail.Attachment("a.pdf", "pdf", b"")]}, "mime"),
    ],
)
def test_enqueue_refuses_bad_fields_and_writes_nothing(
    tmp_path: Path, fields: dict[str, object], message: str
) -> None:
    with Box.open(mail_config(tmp_path / "data", 1)) as box:
        mail_fields = {"to": "kunde@example.org", "subject": "s", "text": "t", **fields}
        with pytest.raises(ValueError, match=message):
            box.db.write(lambda conn: mail.enqueue(conn, **mail_fields))  # type: ignore[arg-type]
        assert box.db.reader().execute("SELECT count(*) FROM mail_outbox").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mail.host": "mail.example.org", "mail.security": "none"}, "loopback"),
        ({"mail.host": "127.0.0.1"}, "from_address is required"),
        ({"mail.host": "::1", "mail.from_address": FROM, "mail.password_file": "/p"}, "user"),
        ({"mail.security": "ssl"}, "mail.security"),
        ({"mail.smtp_host": "x"}, "mail.smtp_host: unknown key"),
    ],
)
def test_config_refuses(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(overrides=overrides, environ={})


def test_plain_smtp_to_loopback_is_allowed() -> None:
    cfg = load_config(
        overrides={"mail.host": "localhost", "mail.security": "none", "mail.from_address": FROM},
        environ={},
    ).mail
    assert (cfg.port, cfg.security) == (587, "none")


def test_sent_attachments_are_dropped_after_keep_days(tmp_path: Path) -> None:
    with Box.open(mail_config(tmp_path / "data", 1)) as box:
        pdf = [mail.Attachment("a.pdf", "application/pdf", b"%PDF-1.7")]

        def queue(conn: object) -> list[int]:
            ids = [
                mail.enqueue(conn, to="kunde@example.org", subject=s, text="t", attachments=pdf)
                for s in ("sent long ago", "sent today", "failed long ago")
            ]
            conn.executemany(  # type: ignore[attr-defined]
                "UPDATE mail_outbox SET state = ?, sent_at = ? WHERE id = ?",
                [
                    ("sent", "2026-01-01T00:00:00.000000Z", ids[0]),
                    ("sent", now_iso(), ids[1]),
                    ("failed", None, ids[2]),
                ],
            )
            return ids

        ids = box.db.write(queue)
        assert box.db.write(lambda conn: mail.purge_sent_attachments(conn, 30)) == 1
        kept = box.db.reader().execute("SELECT mail_id FROM mail_attachments ORDER BY mail_id")
        assert [r[0] for r in kept] == ids[1:]
        assert mail.get(box.db.reader(), ids[0])["state"] == "sent"  # the row stays
