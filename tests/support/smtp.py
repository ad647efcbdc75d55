"""A real SMTP server on loopback for the mail outbox tests (aiosmtpd).

:class:`SmtpServer` records every message it accepted and can be told, per
command (MAIL, RCPT, DATA), to answer something else: a reply line
(``"451 4.3.0 later"``), for MAIL and RCPT ``"drop"`` (close the connection
without a reply) or, for DATA (whose hook runs once the message is in), ``"hold"``
(take the message, then answer only when :meth:`release` is called) and
``"drop-after"`` (take the message, then close without a reply — the client
cannot know it was accepted).
"""

from __future__ import annotations

import asyncio
import email
import ssl
import threading
from collections import deque
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from edge.security import tls
from tests.support.live import free_tcp_port

USER, PASSWORD = "till", "s3cret-Pässword"


def certificate(directory: Path) -> tuple[Path, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1; its path (the client's ca_file)
    and the server's context."""
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    tls.generate(cert, key, common_name="smtp.test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return cert, context


class _Handler:
    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    def _scripted(self, server: Any, command: str) -> str:
        """The scripted answer to ``command``, or "" to serve it normally."""
        action = self.owner.take(command)
        if action == "drop":
            server.transport.abort()
            return "250 OK"  # never reaches the client
        return action

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if answer := self._scripted(server, "mail"):
            return answer
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if answer := self._scripted(server, "rcpt"):
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        action = self.owner.take("data")
        if action and action not in ("hold", "drop-after"):
            return action
        self.owner.accept(envelope, session)
        if action == "hold":
            while not self.owner.released.is_set():
                await asyncio.sleep(0.01)
        if action == "drop-after":
            server.transport.abort()
        return "250 2.0.0 queued"


class SmtpServer:
    def __init__(
        self,
        *,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        auth: bool = False,
    ) -> None:
        self.port = free_tcp_port()
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[str] = []
        self.plan: dict[str, deque[str]] = {"mail": deque(), "rcpt": deque(), "data": deque()}
        self.released = threading.Event()
        self._lock = threading.Lock()
        kwargs: dict[str, Any] = {}
        if starttls is not None:
            kwargs.update(tls_context=starttls, require_starttls=True)
        if auth:
            kwargs.update(
                authenticator=self._authenticate, auth_required=True, auth_require_tls=True
            )
        self.controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=implicit_tls,
            server_hostname="smtp.test",
            **kwargs,
        )
        self.controller.start()

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            self.logins.append(mechanism)
        return AuthResult(success=ok, handled=False)

    def script(self, command: str, *actions: str) -> None:
        """The next answers to ``command`` ("mail", "rcpt", "data"); then normal service."""
        with self._lock:
            self.plan[command].extend(actions)

    def take(self, command: str) -> str:
        with self._lock:
            return self.plan[command].popleft() if self.plan[command] else ""

    def accept(self, envelope: Any, session: Any) -> None:
        msg = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=default
        )
        with self._lock:
            self.received.append(msg)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.released.set()
        self.controller.stop()
