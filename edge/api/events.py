"""``GET /api/v1/events``: Server-Sent Events for terminals."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, request, stream_with_context
from pydantic import BaseModel, Field

from edge.api import examples as ex
from edge.api.context import current_box
from edge.api.registry import api
from edge.platform.events import EventBus

routes = api.section("events")

HEARTBEAT_S = 15.0


class EventsQuery(BaseModel):
    terminal: str | None = Field(
        None, description="Only card taps from the readers assigned to this terminal."
    )


def _start_id(bus: EventBus) -> int:
    raw = request.headers.get("Last-Event-ID") or request.args.get("last_event_id")
    if raw is None:
        return bus.last_id
    try:
        return int(raw)
    except ValueError:
        return 0  # unknown id: replay everything still held


@routes.get("/events", query=EventsQuery, content_type="text/event-stream", example=ex.EVENTS)
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

    def stream() -> Iterator[str]:
        nonlocal last
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

    resp = Response(stream_with_context(stream()), mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp
