"""``GET /api/v1/events``: Server-Sent Events for terminals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Response, g, request, stream_with_context
from pydantic import BaseModel, Field

from edge.api import examples as ex
from edge.api.context import current_box
from edge.api.registry import api
from edge.errors import FieldErrors
from edge.platform.bounds import MAX_ID, parse_int
from edge.platform.events import EventBus

routes = api.section("events")

HEARTBEAT_S = 15.0
# Set by the ASGI front (edge/serving/front.py): the route then hands the open
# stream to the event loop instead of holding a thread for it.
HANDOFF_HEADER = "X-Tilledge-Stream"


class EventsQuery(BaseModel):
    terminal: str | None = Field(
        None, description="Only card taps from the readers assigned to this terminal."
    )


def _start_id(bus: EventBus) -> int:
    """Where the stream starts: after ``Last-Event-ID`` (or ``?last_event_id=``),
    else after the newest event. An id is ASCII digits; anything else is a 422."""
    header = request.headers.get("Last-Event-ID")
    raw, field = (
        (header, "Last-Event-ID")
        if header is not None
        else (
            request.args.get("last_event_id"),
            "last_event_id",
        )
    )
    if raw is None:
        return bus.last_id
    value = parse_int(raw, 0, MAX_ID)
    if value is None:
        raise FieldErrors.one(field, "an event id: ASCII digits, 0..9223372036854775807")
    return value


@routes.get(
    "/events",
    query=EventsQuery,
    content_type="text/event-stream",
    example=ex.EVENTS,
    errors=("validation_error", "rate_limited", "unavailable"),
)
def events(query: EventsQuery) -> Response:
    """Event stream (card.tapped, device.status, receipt.status); Last-Event-ID replays what was
    missed

    Server-Sent Events: `retry: 1000` and a `: connected` comment first, then
    one message per event (`data` is one line of JSON) and a `: keep-alive`
    comment every 15 s of silence. Send the last seen id as `Last-Event-ID`
    (or `?last_event_id=`) to get what was missed first.
    """
    bus: EventBus = current_box().services["events"]
    last = _start_id(bus)
    terminal = query.terminal
    hub: Any = request.environ.get("tilledge.streams")
    if hub is not None:
        # The front streams it on its event loop (429/503 beyond the caps).
        ticket = hub.admit(g.principal.id)
        resp = Response(status=200, mimetype="text/event-stream")
        resp.headers[HANDOFF_HEADER] = json.dumps(
            {"ticket": ticket, "start": last, "terminal": terminal}
        )
    else:  # a plain WSGI server (tests): one thread per stream
        resp = Response(
            stream_with_context(_stream(bus, last, terminal)), mimetype="text/event-stream"
        )
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp


def _stream(bus: EventBus, last: int, terminal: str | None) -> Iterator[str]:
    # Tell the client how long to wait before reconnecting, and flush headers now.
    yield "retry: 1000\n: connected\n\n"
    while not bus.closed:
        batch = bus.wait(last, HEARTBEAT_S)
        if not batch:
            yield ": keep-alive\n\n"
            continue
        out = []
        for event in batch:
            last = event.id
            if event.visible_to(terminal):
                out.append(event.sse())
        if out:
            yield "".join(out)
