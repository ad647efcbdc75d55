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


def test_a_file_download_is_not_buffered_and_its_slot_is_freed(tmp_path):
    """send_file's FileWrapper goes to the server as it is: a 1M-customer
    export (31 MB) joined into one bytes object was 64 MB of server RSS."""
    from werkzeug.wsgi import FileWrapper

    path = tmp_path / "export.zip"
    path.write_bytes(b"z" * 100_000)

    def app(environ, start_response):
        start_response("200 OK", [])
        return FileWrapper(path.open("rb"), 8192)

    limited = ConcurrencyLimit(app, 1)
    body = limited({"PATH_INFO": "/api/v1/customers/exports/x/file"}, lambda *a: None)
    assert isinstance(body, FileWrapper)  # read block by block by the server
    assert limited._slots.acquire(blocking=False)  # the slot is back
    assert b"".join(body) == b"z" * 100_000
    body.close()
