"""The outbox against a real SMTP server (aiosmtpd on loopback): what the
server received, TLS and AUTH, and each failure's outcome — retried and
delivered once, failed with the server's reason, or uncertain and not sent again."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from edge import mail
from edge.errors import Conflict, NotFound
from tests.edge.mail.conftest import FROM, Outbox, mail_config
from tests.support.smtp import PASSWORD, USER, SmtpServer, certificate

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"  # binary, not text


def test_delivers_text_and_attachment(outbox: Outbox, smtp_server: SmtpServer) -> None:
    mail_id = outbox.enqueue(
        to="Kunde@Example.org",
        subject="Rechnung RE-2026-00001 – Müller & Söhne",
        text="Guten Tag,\n\nanbei die Rechnung über 12,50 €.\n",
        attachments=[mail.Attachment("RE-2026-00001.pdf", "application/pdf", PDF)],
        ref_kind="invoice",
        ref_id="7",
    )
    row = outbox.wait_state(mail_id, "sent")
    assert row["attempts"] == 1 and row["sent_at"] and row["last_error"] is None

    (msg,) = smtp_server.received
    assert smtp_server.envelopes == [(FROM, ["Kunde@example.org"])]
    assert msg["Subject"] == "Rechnung RE-2026-00001 – Müller & Söhne"
    assert msg["To"] == "Kunde@example.org"
    assert msg["From"].addresses[0].display_name == "Café Nord"
    assert msg["From"].addresses[0].addr_spec == FROM
    assert msg["Message-ID"] == row["message_id"]
    assert msg["Date"] is not None
    body = msg.get_body(("plain",))
    assert body is not None and "12,50 €" in body.get_content()
    (part,) = list(msg.iter_attachments())
    assert part.get_filename() == "RE-2026-00001.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == PDF

    (state,) = mail.state_of(outbox.box.db.reader(), "invoice", "7")
    assert state["state"] == "sent" and state["id"] == mail_id
    assert mail.state_of(outbox.box.db.reader(), "invoice", "8") == []


def test_starttls_with_login(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ca_file, context = certificate(tmp_path)
    server = SmtpServer(starttls=context, auth=True)
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD + "\n")
    config = mail_config(
        tmp_path / "data",
        server.port,
        **{
            "mail.security": "starttls",
            "mail.ca_file": str(ca_file),
            "mail.user": USER,
            "mail.password_file": str(secret),
        },
    )
    caplog.set_level(logging.DEBUG)
    box = Outbox(config)
    try:
        mail_id = box.enqueue(subject="über STARTTLS")
        box.wait_state(mail_id, "sent")
        assert [m["Subject"] for m in server.received] == ["über STARTTLS"]
        assert server.logins  # the server saw a successful AUTH (over TLS: it requires it)

        # A wrong password is the configuration's fault, not the mail's: retried.
        secret.write_text("wrong\n")
        second = box.enqueue(subject="zweite")
        row = box.wait_state(second, "retrying")
        assert "login refused" in row["last_error"] and "535" in row["last_error"]
        secret.write_text(PASSWORD)
        box.wait_state(second, "sent")
        assert len(server.received) == 2
    finally:
        box.close()
        server.close()
    # The password is read at send time and never stored or logged.
    for path in (tmp_path / "data").iterdir():
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    assert PASSWORD not in caplog.text


def test_implicit_tls(tmp_path: Path) -> None:
    ca_file, context = certificate(tmp_path)
    server = SmtpServer(implicit_tls=context)
    config = mail_config(
        tmp_path / "data",
        server.port,
        **{"mail.security": "tls", "mail.ca_file": str(ca_file)},
    )
    box = Outbox(config)
    try:
        box.wait_state(box.enqueue(subject="TLS"), "sent")
        assert [m["Subject"] for m in server.received] == ["TLS"]
    finally:
        box.close()
        server.close()


def test_an_unknown_certificate_is_not_trusted(tmp_path: Path) -> None:
    _, context = certificate(tmp_path)
    server = SmtpServer(implicit_tls=context)
    config = mail_config(tmp_path / "data", server.port, **{"mail.security": "tls"})
    box = Outbox(config)  # no ca_file: the system CAs, which never signed it
    try:
        row = box.wait_state(box.enqueue(), "retrying")
        assert "CERTIFICATE_VERIFY_FAILED" in row["last_error"]
        assert server.received == []
    finally:
        box.close()
        server.close()


def test_451_is_retried_and_delivered_once(outbox: Outbox, smtp_server: SmtpServer) -> None:
    smtp_server.script("data", "451 4.3.0 try again later", "451 4.3.0 still busy")
    mail_id = outbox.enqueue()
    row = outbox.wait_state(mail_id, "sent")
    assert row["attempts"] == 3
    assert len(smtp_server.received) == 1


def test_550_fails_with_the_servers_reason(outbox: Outbox, smtp_server: SmtpServer) -> None:
    smtp_server.script("rcpt", "550 5.1.1 <kunde@example.org>: no such user")
    refused = outbox.enqueue()
    row = outbox.wait_state(refused, "failed")
    assert row["last_error"] == "550 5.1.1 <kunde@example.org>: no such user"
    # Later mails still go out; the refused one is not tried again.
    outbox.wait_state(outbox.enqueue(subject="next"), "sent")
    assert outbox.row(refused)["attempts"] == 1 and outbox.row(refused)["state"] == "failed"
    assert [m["Subject"] for m in smtp_server.received] == ["next"]


def test_a_dropped_connection_is_retried_and_delivered_once(
    outbox: Outbox, smtp_server: SmtpServer
) -> None:
    smtp_server.script("mail", "drop")
    smtp_server.script("rcpt", "drop")
    mail_id = outbox.enqueue()
    row = outbox.wait_state(mail_id, "sent")
    assert row["attempts"] == 3
    assert len(smtp_server.received) == 1


def test_no_reply_after_the_data_is_uncertain_and_not_resent(
    outbox: Outbox, smtp_server: SmtpServer
) -> None:
    smtp_server.script("data", "drop-after")  # took the mail, then hung up
    unsure = outbox.enqueue(subject="unsure")
    row = outbox.wait_state(unsure, "uncertain")
    assert "no reply after the data was sent" in row["last_error"]
    outbox.wait_state(outbox.enqueue(subject="after"), "sent")
    assert outbox.row(unsure)["state"] == "uncertain"
    assert [m["Subject"] for m in smtp_server.received] == ["unsure", "after"]

    # Only a person sends it again, under the same Message-ID.
    resent = outbox.box.db.write(lambda conn: mail.resend(conn, unsure))
    assert resent["state"] == "queued"
    mail.wake(outbox.box)
    outbox.wait_state(unsure, "sent")
    first, _, again = smtp_server.received
    assert again["Subject"] == "unsure" and again["Message-ID"] == first["Message-ID"]


def test_resend_only_what_is_uncertain_or_failed(outbox: Outbox) -> None:
    mail_id = outbox.enqueue()
    outbox.wait_state(mail_id, "sent")
    with pytest.raises(Conflict) as err:
        outbox.box.db.write(lambda conn: mail.resend(conn, mail_id))
    assert err.value.numbers == {"state": "sent"}
    with pytest.raises(NotFound):
        outbox.box.db.write(lambda conn: mail.resend(conn, 999))


def test_gives_up_after_give_up_s(tmp_path: Path) -> None:
    from tests.support.live import free_tcp_port

    config = mail_config(
        tmp_path / "data", free_tcp_port(), **{"mail.give_up_s": 0.3}
    )  # nothing listens: refused every time
    box = Outbox(config)
    try:
        row = box.wait_state(box.enqueue(), "failed")
        assert row["last_error"].startswith("gave up after")
        assert "ConnectionRefusedError" in row["last_error"]
        assert row["attempts"] >= 2
    finally:
        box.close()


def test_retry_delays_double_up_to_the_maximum() -> None:
    from edge.mail.worker import retry_delay
    from edge.platform.config import MailConfig

    cfg = MailConfig(host="127.0.0.1", from_address=FROM)
    assert [retry_delay(cfg, n) for n in range(1, 9)] == [
        60, 120, 240, 480, 960, 1920, 3600, 3600
    ]  # fmt: skip
    assert retry_delay(cfg, 5000) == 3600  # no overflow after weeks of retries


def test_health_numbers(outbox: Outbox, smtp_server: SmtpServer) -> None:
    smtp_server.script("rcpt", "550 5.1.1 no such user")
    outbox.wait_state(outbox.enqueue(), "failed")
    summary = mail.outbox_summary(outbox.box.db.reader())
    assert summary == {"queued": 0, "failed": 1, "uncertain": 0, "oldest_queued_s": None}


def test_health_shows_the_outbox(outbox: Outbox, smtp_server: SmtpServer) -> None:
    from edge.serving.app import create_app

    smtp_server.script("rcpt", "550 5.1.1 no such user")
    outbox.wait_state(outbox.enqueue(), "failed")
    client = create_app(box=outbox.box).test_client()
    health = client.get("/api/v1/health").get_json()
    assert health["mail"] == {
        "configured": True,
        "queued": 0,
        "failed": 1,
        "uncertain": 0,
        "oldest_queued_s": None,
    }
    assert health["status"] == "ok"  # a mail problem does not degrade the till


def test_international_addresses(outbox: Outbox, smtp_server: SmtpServer) -> None:
    idn = outbox.enqueue(to="kunde@bücher.example")  # a domain: punycode, plain SMTP
    assert outbox.row(idn)["to"] == "kunde@xn--bcher-kva.example"
    outbox.wait_state(idn, "sent")
    local = outbox.enqueue(to="jürgen@example.org")  # a local part: SMTPUTF8
    outbox.wait_state(local, "sent")
    assert [e[1] for e in smtp_server.envelopes] == [
        ["kunde@xn--bcher-kva.example"],
        ["jürgen@example.org"],
    ]
    assert smtp_server.received[1]["To"] == "jürgen@example.org"


def test_a_row_no_message_can_be_made_of_fails_and_holds_back_nothing(
    outbox: Outbox, smtp_server: SmtpServer
) -> None:
    outbox.worker.stop()
    broken = outbox.enqueue(subject="broken")
    outbox.box.db.write(  # e.g. written by a bug or by hand: a timestamp no parser takes
        lambda conn: conn.execute(
            "UPDATE mail_outbox SET created_at = 'yesterday' WHERE id = ?", [broken]
        )
    )
    fine = outbox.enqueue(subject="fine")
    outbox.worker.start()
    row = outbox.wait_state(broken, "failed")
    assert row["last_error"].startswith("cannot build the message:")
    outbox.wait_state(fine, "sent")
    assert [m["Subject"] for m in smtp_server.received] == ["fine"]
