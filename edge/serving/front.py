"""The ASGI application granian serves: the Flask app in a thread pool, event
streams on the event loop.

Every request runs the Flask app through a2wsgi (a maintained WSGI-in-ASGI
adapter: correct environ, request bodies, a bounded thread pool). The event
stream route answers a hand-off header instead of a body when it is behind
this front (it finds the :class:`~edge.serving.streams.StreamHub` in its
environ); the front swallows that response and lets the hub stream, so an
open stream costs a coroutine and a queue, not a thread. Auth, the query and
``Last-Event-ID`` stay where every other route checks them: in Flask.

One ASGI app rather than two servers (granian cannot mix its WSGI and ASGI
interfaces on one port), and ASGI rather than granian's own RSGI so that a
maintained adapter builds the WSGI environ instead of our code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from a2wsgi import WSGIMiddleware

from edge.api.events import HANDOFF_HEADER
from edge.serving.streams import Receive, Send, StreamHub

_HANDOFF = HANDOFF_HEADER.lower().encode()
_DROP = (_HANDOFF, b"content-length")
_SERVER = (b"server", b"tilledge")  # what answers, not which library (granian's default)


def coroutine_receive(receive: Receive) -> Receive:
    """granian's ``receive()`` returns a Rust awaitable; a2wsgi hands it to
    ``run_coroutine_threadsafe``, which takes coroutines only."""

    async def wrapped() -> dict[str, Any]:
        return await receive()

    return wrapped


class WithStreams:
    """WSGI middleware: tell the event route the hub is there to take over."""

    def __init__(self, app: Any, hub: StreamHub) -> None:
        self.app, self.hub = app, hub

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["tilledge.streams"] = self.hub
        return self.app(environ, start_response)  # type: ignore[no-any-return]


class Front:
    """ASGI: WSGI ``app`` for every request, the hub for handed-off streams."""

    def __init__(self, app: Any, hub: StreamHub, *, threads: int) -> None:
        self.hub = hub
        self.wsgi = WSGIMiddleware(WithStreams(app, hub), workers=threads)

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        handoff: dict[str, Any] = {}

        async def intercept(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = message["headers"] = [*message.get("headers", []), _SERVER]
                for name, value in headers:
                    if name.lower() == _HANDOFF:
                        handoff["value"] = json.loads(value)
                        # the hand-off's own length (0) is not the stream's
                        handoff["headers"] = [h for h in headers if h[0].lower() not in _DROP]
                        return
            if handoff:
                return  # the hand-off's empty body
            await send(message)

        try:
            await self.wsgi(scope, coroutine_receive(receive), intercept)
        except BaseException:
            if handoff:  # admitted, but never streamed: give the slot back
                self.hub.release(int(handoff["value"]["ticket"]))
            raise
        if handoff:
            await self.hub.serve(handoff["value"], send, receive, handoff["headers"])
