"""The front door under hostile LAN traffic, through the real ``tilledge serve``
process: idle TLS sockets, slowloris headers and a hundred open event streams
cost no request thread, so health and the API keep answering; stream caps
answer 429/503 with Retry-After; a revoked token's stream ends; Last-Event-ID
resumes and garbage is a 422; SIGTERM still stops the box cleanly."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from drivers.nfc_sim import free_udp_port
from tests.support.devices import SSEClient, simulate_tap, terminal_token, wait_until
from tests.support.live import TILLEDGE, api_call, free_tcp_port, serve_env, serving


def _config(tmp_path: Path, port: int, *, server: str = "", udp: int | None = None) -> Path:
    cfg = tmp_path / "tilledge.toml"
    readers = f"readers = [{{ name = 'r', uri = 'udp:127.0.0.1:{udp}' }}]\n" if udp else ""
    cfg.write_text(
        f'[box]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[server]\nlisten = "127.0.0.1:{port}"\n{server}'
        f"[devices.nfc]\n{readers}"
        f'[devices.printer]\nuri = "sim:{tmp_path / "receipts"}"\nboot_slip = false\n'
        '[devices.display]\nuri = "sim:"\n[discovery]\nenabled = false\n',
        encoding="utf-8",
    )
    return cfg


def _tls_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the box's own self-signed certificate
    return ctx


def _https(port: int, path: str, token: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=_tls_context())
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _up(port: int, *, tls: bool = False) -> None:
    def answers() -> bool:
        try:
            if tls:
                return _https(port, "/api/v1/health")[0] == 200
            return bool(api_call(port, "", "GET", "/health", timeout=2)[0] == 200)
        except OSError:
            return False

    wait_until(answers, timeout=30)


def _open_stream(sock: socket.socket, token: str) -> socket.socket:
    """Send ``GET /events`` on ``sock`` and read up to the ``: connected`` line."""
    sock.sendall(
        b"GET /api/v1/events HTTP/1.1\r\nHost: box\r\n"
        + f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    seen = b""
    while b": connected" not in seen:
        chunk = sock.recv(4096)
        assert chunk, seen
        seen += chunk
    assert seen.startswith(b"HTTP/1.1 200"), seen
    return sock


@contextmanager
def _held(n: int, make: object) -> Iterator[list[socket.socket]]:
    socks: list[socket.socket] = []
    try:
        for _ in range(n):
            socks.append(make())  # type: ignore[operator]
        yield socks
    finally:
        for s in socks:
            s.close()


def test_idle_tls_slowloris_and_streams_leave_health_and_api_answering(tmp_path: Path) -> None:
    port, udp = free_tcp_port(), free_udp_port()
    cfg = _config(
        tmp_path, port, server='tls = "on"\nheader_timeout = 2\nstreams_per_token = 200\n', udp=udp
    )
    token = terminal_token(cfg, "T1")
    ctx = _tls_context()

    def idle_tls() -> socket.socket:
        return socket.create_connection(("127.0.0.1", port), timeout=10)  # never a byte

    def slowloris() -> socket.socket:
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))
        s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: box\r\nX-a: ")
        return s

    def stream() -> socket.socket:
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))
        return _open_stream(s, token)

    with serving(cfg, stderr=subprocess.PIPE) as proc, ExitStack() as held:
        _up(port, tls=True)
        idle = held.enter_context(_held(200, idle_tls))
        slow = held.enter_context(_held(100, slowloris))
        streams = held.enter_context(_held(100, stream))
        # Each of 400 connections would hold a thread in a thread-per-connection
        # server; here health and an authenticated API call answer beside them.
        for _ in range(5):
            assert _https(port, "/api/v1/health")[0] == 200
            assert _https(port, "/api/v1/customers?limit=1", token)[0] == 200
        # One tap reaches every open stream.
        simulate_tap(cfg, "04A1B2C3D4E5F6")
        for s in streams:
            got = b""
            while b"card.tapped" not in got:
                chunk = s.recv(65536)
                assert chunk, got
                got += chunk
        # Slow headers are cut off after server.header_timeout (2 s).
        for s in slow:
            _wait_closed(s)
        assert len(idle) == 200 and proc.poll() is None
        assert _https(port, "/api/v1/health")[0] == 200
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""


def _wait_closed(sock: socket.socket) -> None:
    """Until the server closes ``sock`` (it may answer 408 first); a timeout fails."""
    sock.settimeout(10)
    while sock.recv(1024):
        pass


def _stream_status(port: int, token: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/api/v1/events", headers={"Authorization": f"Bearer {token}"})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_stream_caps_per_token_429_and_total_503(tmp_path: Path) -> None:
    port = free_tcp_port()
    cfg = _config(tmp_path, port, server="streams_per_token = 3\nstreams_total = 5\n")
    a, b, c = (terminal_token(cfg, name) for name in ("A", "B", "C"))
    with serving(cfg, stderr=subprocess.PIPE):
        _up(port)
        first = [SSEClient(port, a) for _ in range(3)]
        status, headers, body = _stream_status(port, a)
        assert status == 429 and headers["retry-after"] == "5"
        assert json.loads(body)["code"] == "rate_limited"
        others = [SSEClient(port, b) for _ in range(2)]
        status, headers, body = _stream_status(port, c)
        assert status == 503 and headers["retry-after"] == "5"
        assert json.loads(body)["code"] == "unavailable"
        # A stream that ends gives its slot back.
        first[0].close()
        wait_until(lambda: _stream_status_opens(port, c), timeout=10)
        for client in first[1:] + others:
            client.close()


def _stream_status_opens(port: int, token: str) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/api/v1/events", headers={"Authorization": f"Bearer {token}"})
        return conn.getresponse().status == 200
    finally:
        conn.close()


def test_revoking_a_token_ends_its_open_stream(tmp_path: Path) -> None:
    port = free_tcp_port()
    cfg = _config(tmp_path, port)
    token = terminal_token(cfg, "T1")
    with serving(cfg, stderr=subprocess.PIPE):
        _up(port)
        stream = _open_stream(socket.create_connection(("127.0.0.1", port), timeout=10), token)
        listed = subprocess.run(
            [TILLEDGE, "--config", str(cfg), "terminal", "list", "--json"],
            capture_output=True, text=True, check=True, env=serve_env(),
        )  # fmt: skip
        (terminal,) = json.loads(listed.stdout)
        subprocess.run(
            [TILLEDGE, "--config", str(cfg), "terminal", "revoke", str(terminal["id"])],
            capture_output=True, check=True, env=serve_env(),
        )  # fmt: skip
        revoked_at = time.monotonic()
        # The box ends the response: the last chunk (or the connection closes).
        got = b""
        while not got.endswith(b"0\r\n\r\n"):
            chunk = stream.recv(4096)
            if not chunk:
                break
            got += chunk
        assert time.monotonic() - revoked_at < 3  # checked every 0.5 s; slack for a busy CI
        stream.close()
        status, _, _ = _stream_status(port, token)
        assert status == 401


def test_last_event_id_resumes_and_garbage_is_a_422(tmp_path: Path) -> None:
    port = free_tcp_port()
    cfg = _config(tmp_path, port)
    token = terminal_token(cfg, "T1")
    with serving(cfg, stderr=subprocess.PIPE):
        _up(port)
        everything = SSEClient(port, token, last_event_id="0")
        wait_until(lambda: len(everything.events) >= 3, timeout=10)
        ids = [int(e[1]) for e in everything.events]
        resumed = SSEClient(port, token, last_event_id=str(ids[0]))
        wait_until(lambda: len(resumed.events) >= len(ids) - 1, timeout=10)
        assert [int(e[1]) for e in resumed.events][: len(ids) - 1] == ids[1:]
        for bad in ("abc", "-1", "1e9", "9" * 30, "12a"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request(
                "GET",
                "/api/v1/events",
                headers={"Authorization": f"Bearer {token}", "Last-Event-ID": bad},
            )
            resp = conn.getresponse()
            problem = json.loads(resp.read())
            conn.close()
            assert resp.status == 422, bad
            assert problem["errors"][0]["field"] == "Last-Event-ID"
        everything.close()
        resumed.close()


def test_tls_pins_the_box_certificate_and_refuses_tls_1_1(tmp_path: Path) -> None:
    """granian serves the box's own certificate (what a terminal pins), TLS 1.2+."""
    from edge.platform.config import load_config
    from edge.security import tls

    port = free_tcp_port()
    cfg = _config(tmp_path, port, server='tls = "on"\n')
    terminal_token(cfg, "T1")  # creates the box
    with serving(cfg, stderr=subprocess.PIPE):
        _up(port, tls=True)
        cert = tls.current(load_config(cfg, environ={}))
        assert cert is not None
        with tls.pinned_connect("127.0.0.1", port, cert.fingerprint, timeout=5) as sock:
            assert sock.version() in ("TLSv1.2", "TLSv1.3")
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert sock.recv(64).startswith(b"HTTP/1.1 200")
        ctx = tls.pinned_context()
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            try:
                ctx.wrap_socket(raw, server_hostname="x")
            except (ssl.SSLError, OSError):
                pass
            else:
                raise AssertionError("a TLS 1.1 handshake was accepted")
        finally:
            raw.close()


def _closed_by_server(sock: socket.socket, within: float) -> bool:
    """True when the box closes ``sock`` (EOF or reset) before ``within`` s pass."""
    sock.settimeout(within)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True  # a reset is a close too
    return True


def test_silent_tls_sockets_and_idle_keep_alives_are_closed_by_the_box(tmp_path: Path) -> None:
    """The timeouts the front door relies on, measured on the real server: a
    TCP connection to the TLS port that never starts its handshake is dropped
    (granian's fixed 10 s TLS accept timeout), and a keep-alive connection that
    goes quiet after its answer is dropped after ``server.header_timeout`` (the
    header read timer also runs while waiting for the next request). A client
    keeping either open for 40 s would show they are not."""
    port = free_tcp_port()
    cfg = _config(tmp_path, port, server='tls = "on"\nheader_timeout = 2\n')
    with serving(cfg, stderr=subprocess.DEVNULL):
        _up(port, tls=True)
        silent = socket.create_connection(("127.0.0.1", port))
        tls = _tls_context().wrap_socket(socket.create_connection(("127.0.0.1", port)))
        tls.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: box\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            answer += tls.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200"), answer
        with silent, tls:
            assert _closed_by_server(tls, within=40), "idle keep-alive left open"
            assert _closed_by_server(silent, within=40), "handshake-less socket left open"
