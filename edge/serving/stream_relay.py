"""An API worker's event streams, relayed to the primary without a thread each.

With ``server.workers > 1`` the event bus lives in the primary, so a worker
passes ``GET /api/v1/events`` on over the primary's Unix socket. This relay
does it on the worker's event loop: one HTTP/1.1 request with
``Connection: close``, the response head passed on as it is, the chunked body
de-chunked and forwarded as it arrives, and the upstream connection dropped
the moment the client goes away (the primary then frees the stream's slot).
Everything else a worker relays is short and stays in
:class:`edge.serving.workers.PrimaryProxy` (a thread for the length of one
request).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from edge.serving.streams import Receive, Send, disconnected

STREAM_PATH = "/api/v1/events"
_HOP_BY_HOP = {
    b"connection",
    b"keep-alive",
    b"transfer-encoding",
    b"te",
    b"trailer",
    b"upgrade",
    b"host",
}
_MAX_HEAD = 64 * 1024


def _request(scope: dict[str, Any]) -> bytes:
    target = scope.get("raw_path") or scope["path"].encode()
    if scope.get("query_string"):
        target += b"?" + scope["query_string"]
    lines = [b"GET " + target + b" HTTP/1.1", b"Host: primary", b"Connection: close"]
    for name, value in scope.get("headers", []):
        if name.lower() not in _HOP_BY_HOP and not name.lower().startswith(b"x-tilledge-"):
            lines.append(name + b": " + value)
    client = (scope.get("client") or ("", 0))[0]
    lines.append(b"X-Tilledge-Client: " + str(client).encode())
    lines.append(b"X-Tilledge-Scheme: " + str(scope.get("scheme", "http")).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _head(raw: bytes) -> tuple[int, list[tuple[bytes, bytes]], bool]:
    status_line, *header_lines = raw.split(b"\r\n")
    status = int(status_line.split()[1])
    headers, chunked = [], False
    for line in header_lines:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip()
        if name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name not in _HOP_BY_HOP:
            headers.append((name, value))
    return status, headers, chunked


async def _body(reader: asyncio.StreamReader, chunked: bool, send: Send) -> None:
    while True:
        if chunked:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            data = await reader.readexactly(size) if size else b""
            await reader.readexactly(2)  # the CRLF after each chunk
            if not size:
                return
        else:
            data = await reader.read(65536)
            if not data:
                return
        await send({"type": "http.response.body", "body": data, "more_body": True})


async def relay_stream(scope: dict[str, Any], receive: Receive, send: Send, path: str) -> None:
    """Pass one event stream request to the primary on ``path`` and relay its answer."""
    try:
        reader, writer = await asyncio.open_unix_connection(path, limit=_MAX_HEAD)
    except OSError:
        await _unavailable(send)
        return
    gone = asyncio.ensure_future(disconnected(receive))
    try:
        writer.write(_request(scope))
        await writer.drain()
        status, headers, chunked = _head((await reader.readuntil(b"\r\n\r\n"))[:-4])
        await send({"type": "http.response.start", "status": status, "headers": headers})
        relay = asyncio.ensure_future(_body(reader, chunked, send))
        await asyncio.wait({relay, gone}, return_when=asyncio.FIRST_COMPLETED)
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError, OSError, asyncio.IncompleteReadError):
            await relay
        with contextlib.suppress(Exception):  # the client may be gone already
            await send({"type": "http.response.body", "body": b"", "more_body": False})
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
        return  # the primary went away mid-stream; the client reconnects
    finally:
        gone.cancel()
        writer.close()


async def _unavailable(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": b"the primary process is not reachable\n"})
