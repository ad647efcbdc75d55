"""The event bus and the SSE stream over a real HTTP server."""

import http.client
import threading
import time

import pytest
from cheroot import wsgi

from edge.platform.events import EventBus


def test_bus_replays_after_id():
    bus = EventBus(keep=5)
    ids = [bus.publish("x", {"n": i}).id for i in range(8)]
    assert ids == sorted(ids)
    got = bus.since(ids[4])
    assert [e.data["n"] for e in got] == [5, 6, 7]
    # only the last 5 are kept
    assert [e.data["n"] for e in bus.since(0)] == [3, 4, 5, 6, 7]


def test_bus_wait_wakes_on_publish():
    bus = EventBus()
    start = bus.last_id
    threading.Timer(0.05, lambda: bus.publish("late", {})).start()
    got = bus.wait(start, timeout=5)
    assert [e.name for e in got] == ["late"]
    assert bus.wait(got[-1].id, timeout=0.01) == []


def test_ids_grow_across_restarts():
    a = EventBus().publish("x", {}).id
    time.sleep(0.001)
    b = EventBus().publish("x", {}).id
    assert b > a


def test_terminal_filter():
    bus = EventBus()
    e1 = bus.publish("card.tapped", {"reader": "r1"}, terminal="till-1")
    e2 = bus.publish("card.tapped", {"reader": "r2"}, terminal="till-2")
    e3 = bus.publish("device.status", {"device": "printer"})
    assert [e.visible_to("till-1") for e in (e1, e2, e3)] == [True, False, True]
    assert all(e.visible_to(None) for e in (e1, e2, e3))


@pytest.fixture
def live(app, make_token):
    server = wsgi.Server(("127.0.0.1", 0), app, numthreads=4)
    server.prepare()
    t = threading.Thread(target=server.serve, daemon=True)
    t.start()
    bus = app.extensions["tilledge"].services["events"]
    yield server.bind_addr[1], make_token("pos"), bus
    bus.close()
    server.stop()


def read_events(resp, n, timeout=5.0):
    """Read n SSE events (id, name, data) from a streaming response."""
    events, cur = [], {}
    deadline = time.monotonic() + timeout
    while len(events) < n and time.monotonic() < deadline:
        line = resp.fp.readline().decode().rstrip("\n")
        if line == "":
            if "event" in cur:
                events.append(cur)
            cur = {}
        elif not line.startswith(":") and ":" in line:
            k, _, v = line.partition(": ")
            cur[k] = v
    return events


def open_stream(port, token, path="/api/v1/events", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}", **(headers or {})})
    resp = conn.getresponse()
    return conn, resp


def test_sse_delivers_and_replays(live):
    port, token, bus = live
    conn, resp = open_stream(port, token)
    assert resp.status == 200
    assert resp.getheader("Content-Type").startswith("text/event-stream")
    resp.fp.readline()  # retry:
    first = bus.publish("card.tapped", {"uid": "04A1"})
    bus.publish("device.status", {"device": "printer", "state": "offline"})
    got = read_events(resp, 2)
    assert [e["event"] for e in got] == ["card.tapped", "device.status"]
    assert got[0]["id"] == str(first.id)
    assert '"uid":"04A1"' in got[0]["data"]
    conn.close()
    # Reconnect with Last-Event-ID: receive what came after it, including what was missed.
    missed = bus.publish("receipt.status", {"job_id": "1", "state": "printed"})
    conn2, resp2 = open_stream(port, token, headers={"Last-Event-ID": str(first.id)})
    got2 = read_events(resp2, 2)
    assert [e["event"] for e in got2] == ["device.status", "receipt.status"]
    assert got2[1]["id"] == str(missed.id)
    conn2.close()


def test_sse_terminal_filter_over_http(live):
    port, token, bus = live
    conn, resp = open_stream(port, token, "/api/v1/events?terminal=till-1")
    resp.fp.readline()
    bus.publish("card.tapped", {"uid": "AA"}, terminal="till-2")
    bus.publish("card.tapped", {"uid": "BB"}, terminal="till-1")
    got = read_events(resp, 1)
    assert '"uid":"BB"' in got[0]["data"]
    conn.close()


def test_sse_needs_a_token(client):
    assert client.get("/api/v1/events").status_code == 401
