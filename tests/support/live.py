"""The real service on loopback as its clients see it: the ``tilledge`` command
and a clean environment for it, a terminal token from ``tilledge terminal add``,
customers written straight into a box's database, free ports, one-shot API
calls, waiting for ``/health``, and ``tilledge serve`` run for the length of a
``with``.

Standard library only, so the benchmarks (which import it) load no Flask.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TILLEDGE = str(Path(sys.executable).with_name("tilledge"))


def sim_config(tmp_path: Path, port: int) -> Path:
    """A box in ``tmp_path/data`` on loopback ``port`` with simulated devices
    and no discovery: what a test of the HTTP side needs; its config file."""
    cfg = tmp_path / "tilledge.toml"
    cfg.write_text(
        f'[box]\ndata_dir = "{tmp_path / "data"}"\n[server]\nlisten = "127.0.0.1:{port}"\n'
        f'[devices.printer]\nuri = "sim:{tmp_path / "receipts"}"\nboot_slip = false\n'
        '[devices.display]\nuri = "sim:"\n[devices.nfc]\nreaders = []\n'
        "[discovery]\nenabled = false\n",
        encoding="utf-8",
    )
    return cfg


def add_terminal(config_path: Path, name: str) -> str:
    """``tilledge terminal add NAME --scope pos``: the new terminal's token."""
    add = ["terminal", "add", name, "--scope", "pos", "--json"]
    out = subprocess.run(
        [TILLEDGE, "--config", str(config_path), *add],
        capture_output=True,
        text=True,
        check=True,
    )
    return str(json.loads(out.stdout)["token"])


def insert_customer(db: sqlite3.Connection, number: int, name: str, actor: str) -> int:
    """A bare customer row (master data is not what these runs measure); its id."""
    cur = db.execute(
        "INSERT INTO customers (customer_number, type, display_name, last_name, created_at,"
        " created_by, updated_at, updated_by) VALUES (?, 'individual', ?, ?, 'x', ?, 'x', ?)",
        [number, name, name, actor, actor],
    )
    return int(cur.lastrowid or 0)


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_env() -> dict[str, str]:
    """The environment for a ``tilledge`` subprocess, without this shell's
    ``TILLEDGE_*`` config overrides."""
    return {k: v for k, v in os.environ.items() if not k.startswith("TILLEDGE_")}


def api_call(
    port: int,
    token: str,
    method: str,
    path: str,
    body: Any = None,
    key: str | None = None,
    *,
    timeout: float = 10,
) -> tuple[int, Any, str | None]:
    """One API request on a fresh connection (with API workers it may land on
    any process): status, JSON body and the Idempotent-Replayed header. A POST
    gets ``key`` or a fresh Idempotency-Key."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if method == "POST":
        headers["Idempotency-Key"] = key or str(uuid.uuid4())
    try:
        conn.request(method, f"/api/v1{path}", json.dumps(body) if body else None, headers)
        resp = conn.getresponse()
        return (
            resp.status,
            json.loads(resp.read() or b"null"),
            resp.getheader("Idempotent-Replayed"),
        )
    finally:
        conn.close()


def wait_healthy(port: int, timeout: float, interval: float) -> None:
    """Until ``GET /api/v1/health`` answers 200; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=min(2.0, timeout))
        try:
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(interval)
        finally:
            conn.close()
    raise AssertionError(f"the server on port {port} did not come up within {timeout}s")


@contextmanager
def serving(config_path: Path, **popen: Any) -> Iterator[subprocess.Popen[bytes]]:
    """``tilledge --config FILE serve`` until the block ends, then SIGTERM
    (SIGKILL after 15 s). ``popen``: stdout/stderr for ``subprocess.Popen``."""
    proc = subprocess.Popen(
        [TILLEDGE, "--config", str(config_path), "serve"], env=serve_env(), **popen
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@contextmanager
def serving_healthy(config_path: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """:func:`serving` (stderr kept from the test's output) once ``/health`` answers."""
    with serving(config_path, stderr=subprocess.PIPE) as proc:
        wait_healthy(port, timeout=30, interval=0.2)
        yield proc


def pinned_health(sock: ssl.SSLSocket) -> dict[str, Any]:
    """``GET /api/v1/health`` on a socket already pinned to the box's
    certificate (``edge.security.tls.pinned_connect``): the 200 body."""
    try:
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: box\r\nConnection: close\r\n\r\n")
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    finally:
        sock.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    return dict(json.loads(body))
