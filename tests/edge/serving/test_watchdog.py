"""The systemd watchdog: `tilledge serve` under a notify socket with
``WATCHDOG_USEC`` pings ``WATCHDOG=1`` while the writer and the front door
answer, stops pinging while the database is locked away from the writer
(what a hung writer looks like to systemd), and pings again after."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

from edge.serving.watchdog import interval
from tests.support.live import TILLEDGE, free_tcp_port, serve_env, wait_healthy


def test_interval_is_half_of_what_systemd_allows_and_only_for_us() -> None:
    assert interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}) == 15.0
    assert interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert interval({}) is None and interval({"WATCHDOG_USEC": "x"}) is None


def messages(sock: socket.socket, seconds: float) -> list[str]:
    out, end = [], time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            out.append(sock.recv(4096).decode())
        except TimeoutError:
            break
    return out


def test_pings_while_the_box_works_and_not_while_the_writer_is_stuck(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    subprocess.run([TILLEDGE, "demo", "--dir", str(demo), "--customers", "1"], env=serve_env(),
                   check=True, capture_output=True)  # fmt: skip
    notify = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify))
    port = free_tcp_port()
    env = {**serve_env(), "NOTIFY_SOCKET": str(notify), "WATCHDOG_USEC": "400000"}
    proc = subprocess.Popen(
        [TILLEDGE, "--config", str(demo / "tilledge.toml"), "serve", "--listen",
         f"127.0.0.1:{port}"], env=env, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_healthy(port, timeout=60, interval=0.2)
        working = messages(sock, 2.0)
        assert working.count("WATCHDOG=1") >= 3, working
        # Another process holds the database's write lock: the writer cannot
        # commit, as if it hung, and the pings stop.
        lock = sqlite3.connect(demo / "data" / "tilledge.db", timeout=10)
        lock.execute("BEGIN EXCLUSIVE")
        messages(sock, 0.5)  # a ping already on its way
        stuck = messages(sock, 2.0)
        assert "WATCHDOG=1" not in stuck, stuck
        lock.rollback()
        lock.close()
        again = messages(sock, 8.0)
        assert "WATCHDOG=1" in again, again
    finally:
        proc.terminate()
        proc.wait(30)
        sock.close()
