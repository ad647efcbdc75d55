"""The active-request limit: work in flight stays small, streams are exempt."""

import threading
import time

from edge.serving.server import ConcurrencyLimit


def test_limit_caps_requests_in_flight_and_exempts_streams():
    state = {"now": 0, "peak": 0}
    lock = threading.Lock()

    all_streams = threading.Barrier(4, timeout=10)

    def app(environ, start_response):
        if environ["PATH_INFO"].endswith("/events"):
            all_streams.wait()  # only passes if 4 streams run at once
            start_response("200 OK", [])
            return iter([b"s"])
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.02)
        with lock:
            state["now"] -= 1
        start_response("200 OK", [])
        return iter([b"a", b"b"])

    limited = ConcurrencyLimit(app, 2, stream_paths=("/api/v1/events",))
    bodies = []

    def call(path):
        bodies.append(limited({"PATH_INFO": path}, lambda *a: None))

    threads = [threading.Thread(target=call, args=("/api/v1/health",)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert state["peak"] == 2
    assert all(b == [b"ab"] for b in bodies)  # buffered inside the slot

    streams = [threading.Thread(target=call, args=("/api/v1/events",)) for _ in range(4)]
    for t in streams:
        t.start()
    for t in streams:
        t.join()
    assert not all_streams.broken  # streams never wait for a slot
    assert len(bodies) == 12
