"""One SMTP delivery with smtplib, and what its outcome means for a retry.

The session is EHLO, STARTTLS (or implicit TLS), AUTH, MAIL, RCPT, then —
after ``on_data`` has committed the mail as ``sending`` — DATA. Where it
ended decides the outcome (docs/mail.md):

* ``sent``: the server answered 250 to the end of the data.
* ``retry``: nothing can have been accepted — a refused or dropped connection,
  a timeout or a 4xx reply before the end of the data was sent, a 4xx reply
  to it, or anything failing before MAIL FROM (greeting, TLS, EHLO, login:
  the server's state or the settings, not this mail's fault).
* ``failed``: a 5xx reply to MAIL, RCPT or the data (this mail is refused).
* ``uncertain``: the end of the data was sent and no reply came; the server
  may have accepted the mail, so it is not sent again by itself.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.policy import SMTPUTF8 as SMTPUTF8_POLICY
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Literal

from edge.mail.outbox import Attachment
from edge.platform.config import MailConfig

Kind = Literal["sent", "retry", "failed", "uncertain"]


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    reason: str = ""


@dataclass(frozen=True)
class Mail:
    message_id: str
    to: str
    subject: str
    text: str
    date: Any  # datetime, aware
    attachments: Sequence[Attachment] = ()


def message(cfg: MailConfig, mail: Mail) -> EmailMessage:
    # Non-ASCII in an address (not in a domain: those are punycode) needs
    # SMTPUTF8, and the message written with UTF-8 headers.
    ascii_only = mail.to.isascii() and cfg.from_address.isascii()
    msg = EmailMessage(policy=SMTP_POLICY if ascii_only else SMTPUTF8_POLICY)
    sender = Address(display_name=cfg.from_name, addr_spec=cfg.from_address)
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.date)
    msg["Message-ID"] = mail.message_id
    msg.set_content(mail.text)
    for a in mail.attachments:
        maintype, _, subtype = a.mime.partition("/")
        msg.add_attachment(a.data, maintype=maintype, subtype=subtype, filename=a.name)
    return msg


class _SMTP(smtplib.SMTP):
    """Notes when the end-of-data mark left: from then on, no reply = uncertain."""

    data_ended = False
    _in_data = False

    def send(self, s: Any) -> None:
        super().send(s)
        if self._in_data and isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.data_ended = True

    def data(self, msg: Any) -> tuple[int, bytes]:
        self._in_data = True
        try:
            return super().data(msg)
        finally:
            self._in_data = False


class _SMTPS(smtplib.SMTP_SSL, _SMTP):
    """Implicit TLS (SMTP_SSL's socket) with the same end-of-data tracking."""


def tls_context(cfg: MailConfig) -> ssl.SSLContext:
    """Verified TLS: the system CAs, or ``ca_file`` for a relay with its own certificate."""
    return ssl.create_default_context(cafile=cfg.ca_file or None)


def _password(cfg: MailConfig) -> str:
    try:
        return Path(cfg.password_file).read_text(encoding="utf-8").strip()
    except OSError as e:
        # The reason, never the contents.
        raise OSError(f"mail.password_file {cfg.password_file}: {e.strerror or e}") from None


def _reply(e: smtplib.SMTPResponseException) -> str:
    text = e.smtp_error.decode("utf-8", "replace") if isinstance(e.smtp_error, bytes) else ""
    return f"{e.smtp_code} {text}".strip()


def _login(client: smtplib.SMTP, user: str, password: str) -> None:
    if user.isascii() and password.isascii():
        client.login(user, password)
        return
    # smtplib encodes credentials as ASCII; AUTH PLAIN is UTF-8 (RFC 4616).
    if "plain" not in client.esmtp_features.get("auth", "").lower().split():
        raise smtplib.SMTPException("a non-ASCII user or password needs AUTH PLAIN")
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, text = client.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, text)


def _open(cfg: MailConfig) -> _SMTP:
    timeout = cfg.timeout_s
    client: _SMTP
    if cfg.security == "tls":
        client = _SMTPS(cfg.host, cfg.port, timeout=timeout, context=tls_context(cfg))
    else:
        client = _SMTP(cfg.host, cfg.port, timeout=timeout)
    try:
        client.ehlo()
        if cfg.security == "starttls":
            client.starttls(context=tls_context(cfg))
            client.ehlo()
        if cfg.user:
            _login(client, cfg.user, _password(cfg))
    except BaseException:
        client.close()
        raise
    return client


def _check(reply: tuple[int, bytes], ok: tuple[int, ...]) -> None:
    code, text = reply
    if code not in ok:
        raise smtplib.SMTPResponseException(code, text)


def _reason(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}".rstrip(": ")


def deliver(cfg: MailConfig, msg: EmailMessage, on_data: Callable[[], None]) -> Outcome:
    """Send ``msg`` once; ``on_data`` runs (and must have committed) before DATA."""
    try:
        client = _open(cfg)
    except smtplib.SMTPAuthenticationError as e:
        return Outcome("retry", f"login refused: {_reply(e)}")
    except Exception as e:
        # Connect, greeting, TLS, EHLO: the server's state or the settings,
        # never this mail's fault, even with a 5xx — retried until fixed.
        return Outcome("retry", _reason(e))
    try:
        return _transaction(client, cfg, msg, on_data)
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def _transaction(
    client: _SMTP, cfg: MailConfig, msg: EmailMessage, on_data: Callable[[], None]
) -> Outcome:
    utf8 = bool(getattr(msg.policy, "utf8", False))
    if utf8 and not client.has_extn("smtputf8"):
        return Outcome("failed", "a non-ASCII address needs SMTPUTF8, which the server lacks")
    try:
        _check(client.mail(cfg.from_address, ["SMTPUTF8"] if utf8 else []), (250,))
        _check(client.rcpt(str(msg["To"])), (250, 251))
        on_data()
        _check(client.data(msg.as_bytes()), (250,))  # data() returns a 4xx/5xx, not raises
    except smtplib.SMTPResponseException as e:
        if 400 <= e.smtp_code < 500:
            return Outcome("retry", _reply(e))
        return Outcome("failed", _reply(e))
    except Exception as e:  # dropped, timed out, or a bug: never left "sending"
        if client.data_ended:
            return Outcome("uncertain", f"no reply after the data was sent ({_reason(e)})")
        return Outcome("retry", _reason(e))
    return Outcome("sent")
