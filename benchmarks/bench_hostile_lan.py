"""A hostile shop LAN against one box (issue 15), bounded, loopback only.

Runs the real ``tilledge serve`` over TLS and measures 16 terminals doing
top-ups (each its own connection and Idempotency-Key, one every 50 ms) twice:
alone, and beside 1,000 idle TLS connections (never a byte), 200 slowloris
sockets (TLS done, headers never finished; re-opened when the box cuts them
off after ``server.header_timeout``) and 500 open event streams. Prints
p50/p99/max per run and the ratio, as a README row.

    .venv/bin/python benchmarks/bench_hostile_lan.py --seconds 15
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.load_harness import make_box, percentile
from tests.support.live import TILLEDGE, free_tcp_port, serve_env

TERMINALS = 16
PACE_S = 0.05


def _ctx() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the box's own self-signed certificate
    return ctx


def _conn(port: int) -> http.client.HTTPSConnection:
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=_ctx())


def _post(conn: http.client.HTTPSConnection, token: str, path: str, body: Any) -> int:
    conn.request(
        "POST",
        f"/api/v1{path}",
        json.dumps(body),
        {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    resp = conn.getresponse()
    resp.read()
    return resp.status


def terminals(port: int, setup: dict[str, Any], seconds: float) -> dict[str, float]:
    lats: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def terminal(i: int) -> None:
        conn = _conn(port)
        cid = setup["customers"][i]
        end = time.monotonic() + seconds
        due = time.monotonic()
        while due < end:
            time.sleep(max(0.0, due - time.monotonic()))
            t0 = time.monotonic()
            try:
                ok = _post(conn, setup["token"], f"/customers/{cid}/topups", {"amount": 1}) == 201
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = _conn(port)
            with lock:
                if ok:
                    lats.append(time.monotonic() - t0)
                else:
                    errors[0] += 1
            due += PACE_S
        conn.close()

    threads = [threading.Thread(target=terminal, args=(i,)) for i in range(TERMINALS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "requests": len(lats),
        "errors": errors[0],
        "p50_ms": percentile(lats, 50) * 1000,
        "p99_ms": percentile(lats, 99) * 1000,
        "max_ms": max(lats) * 1000 if lats else float("nan"),
    }


class Hostile:
    """1,000 idle TLS sockets, 200 slowloris (kept at 200), 500 event streams."""

    def __init__(self, port: int, token: str, *, idle: int, slow: int, streams: int) -> None:
        self.port, self.token = port, token
        self.ctx = _ctx()
        self.stop = threading.Event()
        self.idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(idle)]
        self.slow = [self._slowloris() for _ in range(slow)]
        self.streams = [self._stream() for _ in range(streams)]
        self.reopened = 0
        self.keeper = threading.Thread(target=self._keep_slow, daemon=True)
        self.keeper.start()

    def _tls(self) -> ssl.SSLSocket:
        return self.ctx.wrap_socket(socket.create_connection(("127.0.0.1", self.port)))

    def _slowloris(self) -> ssl.SSLSocket:
        s = self._tls()
        s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: box\r\nX-a: ")
        s.setblocking(False)
        return s

    def _stream(self) -> ssl.SSLSocket:
        s = self._tls()
        s.sendall(
            b"GET /api/v1/events HTTP/1.1\r\nHost: box\r\n"
            + f"Authorization: Bearer {self.token}\r\n\r\n".encode()
        )
        got = b""
        while b": connected" not in got:
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError(f"event stream refused: {got[:200]!r}")
            got += chunk
        return s

    def _keep_slow(self) -> None:
        while not self.stop.wait(1.0):
            for i, s in enumerate(self.slow):
                try:
                    s.send(b"a")  # one more header byte: a slowloris never stops
                    if s.recv(1024) == b"":
                        raise ConnectionResetError
                except (ssl.SSLWantReadError, BlockingIOError):
                    continue
                except OSError:
                    s.close()
                    try:
                        self.slow[i] = self._slowloris()
                        self.reopened += 1
                    except OSError:
                        pass

    def close(self) -> None:
        self.stop.set()
        self.keeper.join(5)
        for s in self.idle + self.slow + self.streams:
            s.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--slowloris", type=int, default=200)
    ap.add_argument("--streams", type=int, default=500)
    args = ap.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    root = Path(tempfile.mkdtemp(prefix="hostile-"))
    setup = make_box(root)
    with (root / "tilledge.toml").open("a", encoding="utf-8") as f:
        f.write('[server]\ntls = "on"\nstreams_per_token = 1000\nstreams_total = 2000\n')
    port = free_tcp_port()
    proc = subprocess.Popen(
        [TILLEDGE, "--config", str(root / "tilledge.toml"), "serve", "--listen",
         f"127.0.0.1:{port}"],
        env=serve_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = _conn(port)
                conn.request("GET", "/api/v1/health")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        conn = _conn(port)
        for cid in setup["customers"]:
            assert _post(conn, setup["token"], f"/customers/{cid}/topups", {"amount": 1}) == 201
        quiet = terminals(port, setup, args.seconds)
        t0 = time.monotonic()
        hostile = Hostile(
            port, setup["token"], idle=args.idle, slow=args.slowloris, streams=args.streams
        )
        opened = time.monotonic() - t0
        try:
            loud = terminals(port, setup, args.seconds)
        finally:
            reopened = hostile.reopened
            hostile.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    print(f"hostile connections opened in {opened:.1f} s; slowloris re-opened {reopened}x")
    for name, r in (("16 terminals alone", quiet), ("beside the hostile LAN", loud)):
        print(
            f"| {name} | {r['requests']} | {r['errors']} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['max_ms']:.1f} |"
        )
    print(
        f"ratio hostile/alone: p50 {loud['p50_ms'] / quiet['p50_ms']:.2f}x, "
        f"p99 {loud['p99_ms'] / quiet['p99_ms']:.2f}x, max {loud['max_ms'] / quiet['max_ms']:.2f}x"
    )


if __name__ == "__main__":
    main()
