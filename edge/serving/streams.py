"""Event streams without a thread each: one fan-out thread, one coroutine per stream.

``GET /api/v1/events`` is still a Flask route: it authenticates the token,
validates the query and ``Last-Event-ID``, and asks :class:`StreamHub` for a
slot (429 beyond ``server.streams_per_token``, 503 beyond
``server.streams_total``). Behind the ASGI front (:mod:`edge.serving.front`)
it then answers a hand-off instead of a body, and the front streams the events
from here on the event loop. One thread waits on the bus and hands every
batch to the loop, which formats each event once and puts it on every open
stream's queue; a tap reaches a till in the time of one ``call_soon_threadsafe``.

Every second one query checks the tokens of all open streams; a revoked
token's streams end at once (the client's reconnect then answers 401).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from edge.api.problems import ApiError
from edge.platform.db import Database
from edge.platform.events import Event, EventBus

log = logging.getLogger(__name__)

HEARTBEAT_S = 15.0
REVOCATION_CHECK_S = 0.5  # a revoked token's streams end within a second
MAX_QUEUED = 2000  # events a client is behind before it is dropped (it resumes by id)
RETRY_AFTER_S = 5

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


@dataclass
class _Stream:
    ticket: int
    token_id: int
    terminal: str | None = None
    queue: asyncio.Queue[list[tuple[Event, str]]] | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    behind: int = 0


class StreamHub:
    """Admission (thread-safe, called from Flask threads) and the async fan-out."""

    def __init__(self, bus: EventBus, db: Database, *, per_token: int, total: int) -> None:
        self.bus = bus
        self.db = db
        self.per_token = per_token
        self.total = total
        self._lock = threading.Lock()
        self._tickets: dict[int, int] = {}  # ticket -> token id, admitted or streaming
        self._per_token: Counter[int] = Counter()
        self._next = itertools.count(1)
        self._streams: dict[int, _Stream] = {}  # only touched on the loop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # -- admission, from any thread ------------------------------------------------

    def admit(self, token_id: int) -> int:
        """A ticket for one stream of ``token_id``, or the 429/503 problem."""
        retry = {"Retry-After": str(RETRY_AFTER_S)}
        with self._lock:
            if self._per_token[token_id] >= self.per_token:
                raise ApiError(
                    429,
                    "rate_limited",
                    f"this token has {self.per_token} event streams open already "
                    "(server.streams_per_token); close one or retry later",
                    headers=retry,
                )
            if len(self._tickets) >= self.total:
                raise ApiError(
                    503,
                    "unavailable",
                    f"the box serves {self.total} event streams already "
                    "(server.streams_total); retry later",
                    headers=retry,
                )
            ticket = next(self._next)
            self._tickets[ticket] = token_id
            self._per_token[token_id] += 1
            return ticket

    def release(self, ticket: int) -> None:
        with self._lock:
            token_id = self._tickets.pop(ticket, None)
            if token_id is None:
                return
            self._per_token[token_id] -= 1
            if self._per_token[token_id] <= 0:
                del self._per_token[token_id]

    @property
    def open_streams(self) -> int:
        with self._lock:
            return len(self._tickets)

    # -- the loop side -------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Run the fan-out thread and the revocation check for ``loop``."""
        self._loop = loop
        threading.Thread(target=self._fan_out, name="sse-fan-out", daemon=True).start()
        self._tasks.append(loop.create_task(self._check_tokens()))

    def _fan_out(self) -> None:
        last = self.bus.last_id
        while not self.bus.closed:
            batch = self.bus.wait(last, 5.0)
            if batch:
                last = batch[-1].id
                self._call(self._deliver, batch)
        self._call(self._end_all)

    def _call(self, fn: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(fn, *args)

    def _deliver(self, batch: list[Event]) -> None:
        formatted = [(event, event.sse()) for event in batch]  # once, not once per stream
        for stream in self._streams.values():
            if stream.queue is None:
                continue
            stream.behind += len(formatted)
            if stream.behind > MAX_QUEUED:
                stream.ended.set()  # a client that does not read; it resumes by id
                continue
            stream.queue.put_nowait(formatted)

    def _end_all(self) -> None:
        for stream in self._streams.values():
            stream.ended.set()

    async def _check_tokens(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(REVOCATION_CHECK_S)
            tokens = {s.token_id for s in self._streams.values()}
            if not tokens:
                continue
            try:
                valid = await loop.run_in_executor(None, self._valid_tokens, sorted(tokens))
            except Exception:  # the database may be busy or full; check again soon
                log.exception("event streams: token check failed")
                continue
            for stream in list(self._streams.values()):
                if stream.token_id not in valid:
                    stream.ended.set()

    def _valid_tokens(self, ids: list[int]) -> set[int]:
        marks = ",".join("?" * len(ids))
        rows = self.db.reader().execute(
            f"SELECT id FROM terminals WHERE revoked_at IS NULL AND id IN ({marks})", ids
        )
        return {int(row[0]) for row in rows}

    async def serve(
        self, handoff: dict[str, Any], send: Send, receive: Receive, headers: list[Any]
    ) -> None:
        """Stream events to one client until it leaves, its token is revoked or
        the box stops. ``handoff``: what the Flask route decided."""
        ticket = int(handoff["ticket"])
        try:
            with self._lock:
                token_id = self._tickets.get(ticket)
            if token_id is None:
                raise LookupError(f"event stream ticket {ticket} was not admitted")
            stream = _Stream(ticket, token_id, handoff.get("terminal"), asyncio.Queue())
            self._streams[ticket] = stream
            try:
                await self._run(stream, int(handoff["start"]), send, receive, headers)
            finally:
                del self._streams[ticket]
        finally:
            self.release(ticket)

    async def _run(
        self, stream: _Stream, last: int, send: Send, receive: Receive, headers: list[Any]
    ) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        # Subscribed first, then the replay: an event published in between is
        # in both and sent once (ids only grow).
        replay = [(e, e.sse()) for e in self.bus.since(last)]
        gone = asyncio.ensure_future(disconnected(receive))
        ended = asyncio.ensure_future(stream.ended.wait())
        try:
            await _body(send, "retry: 1000\n: connected\n\n")
            batch = replay
            while not self.bus.closed:
                out = []
                for event, text in batch:
                    if event.id > last:
                        last = event.id
                        if event.visible_to(stream.terminal):
                            out.append(text)
                if out:
                    await _body(send, "".join(out))
                assert stream.queue is not None
                getter = asyncio.ensure_future(stream.queue.get())
                done, _ = await asyncio.wait(
                    {getter, gone, ended}, timeout=HEARTBEAT_S, return_when=asyncio.FIRST_COMPLETED
                )
                if getter not in done:
                    getter.cancel()
                if gone in done or ended in done:
                    break
                if not done:
                    await _body(send, ": keep-alive\n\n")
                    batch = []
                    continue
                batch = getter.result()
                stream.behind -= len(batch)
            with contextlib.suppress(Exception):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            return  # the client went away mid-write
        finally:
            gone.cancel()
            ended.cancel()


async def _body(send: Send, text: str) -> None:
    await send({"type": "http.response.body", "body": text.encode(), "more_body": True})


async def disconnected(receive: Receive) -> None:
    """Until the client has gone (ASGI ``http.disconnect``)."""
    while (await receive())["type"] != "http.disconnect":
        pass
