"""``server.workers = 2``: granian's two worker processes serve the port and
share the database; the primary keeps the devices behind its Unix socket.

Connections are spread over the workers by the kernel, so every check here uses
many fresh connections: money stays exact and exactly-once across them, the
event stream and receipts (primary-only) work through the relay, and every
worker process dies with the primary (SIGKILL included)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from device_helpers import SSEClient, free_tcp_port, wait_until

from drivers.nfc_sim import free_udp_port
from edge.api.auth import issue_token
from edge.box import Box
from edge.config import load_config

TILLEDGE = str(Path(sys.executable).with_name("tilledge"))


def _descendants(pid: int) -> list[int]:
    kids = _children(pid)
    return kids + [d for k in kids for d in _descendants(k)]


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _call(port: int, token: str, method: str, path: str, body: Any = None, key: str | None = None):  # type: ignore[no-untyped-def]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)  # fresh: any process
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
        headers["Idempotency-Key"] = key or str(uuid.uuid4())
    conn.request(method, f"/api/v1{path}", body=json.dumps(body) if body else None, headers=headers)
    resp = conn.getresponse()
    out = resp.status, json.loads(resp.read() or b"null"), resp.getheader("Idempotent-Replayed")
    conn.close()
    return out


def test_two_processes_share_port_money_events_and_receipts(tmp_path: Path) -> None:
    port, udp = free_tcp_port(), free_udp_port()
    receipts = tmp_path / "receipts"
    cfg = tmp_path / "tilledge.toml"
    cfg.write_text(
        f'[box]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[server]\nlisten = "127.0.0.1:{port}"\nworkers = 2\n'
        "[devices.nfc]\n"
        f"readers = [{{ name = 'r', uri = 'udp:127.0.0.1:{udp}', terminal = 'T1' }}]\n"
        f'[devices.printer]\nuri = "sim:{receipts}"\nboot_slip = false\n'
        f'[devices.display]\nuri = "sim:"\n[discovery]\nenabled = false\n',
        encoding="utf-8",
    )
    box = Box.open(load_config(cfg, environ={}))
    token = str(box.db.write(lambda c: issue_token(c, "T1", ["pos"]))["token"])
    cid = box.db.write(
        lambda c: (
            c.execute(
                "INSERT INTO customers (customer_number, type, display_name, last_name,"
                " created_at, created_by, updated_at, updated_by)"
                " VALUES (9001, 'individual', 'W', 'W', 'x', 't', 'x', 't')"
            ).lastrowid
        )
    )
    box.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TILLEDGE_")}
    proc = subprocess.Popen(
        [TILLEDGE, "--config", str(cfg), "serve"], env=env, stderr=subprocess.PIPE
    )
    try:

        def up() -> bool:
            try:
                return bool(_call(port, token, "GET", "/health")[0] == 200)
            except OSError:
                return False

        wait_until(up, timeout=30, interval=0.2)
        workers = [
            p
            for p in _descendants(proc.pid)
            if b"granian" in Path(f"/proc/{p}/cmdline").read_bytes()
        ]
        assert len(workers) >= 3  # granian's master and its two workers

        status, body, _ = _call(port, token, "POST", f"/customers/{cid}/topups", {"amount": 10_000})
        assert status == 201, body
        # 40 payments of 100 over 40 connections, each retried once with its key.
        for i in range(40):
            key = f"pay-{i}"
            first = _call(port, token, "POST", f"/customers/{cid}/payments", {"amount": 100}, key)
            again = _call(port, token, "POST", f"/customers/{cid}/payments", {"amount": 100}, key)
            assert first[0] == 201 and again[0] == 201 and again[2] == "true"
            assert again[1] == first[1]
        status, cust, _ = _call(port, token, "GET", f"/customers/{cid}")
        assert status == 200 and cust["cash"] == 10_000 - 40 * 100

        # Event streams on 8 connections (some land on the worker, which relays
        # the primary's stream); a tap reaches every one of them.
        clients = [SSEClient(port, token, query="?terminal=T1") for _ in range(8)]
        try:
            time.sleep(0.5)
            tap = subprocess.run(
                [TILLEDGE, "--config", str(cfg), "simulate", "tap", "04A1B2C3D4E5F6"],
                env=env,
                capture_output=True,
                text=True,
                timeout=20,
            )
            assert tap.returncode == 0, tap.stderr
            for sse in clients:
                sse.wait_for(lambda n, d: n == "card.tapped", timeout=10)
        finally:
            for sse in clients:
                sse.close()

        # Checkouts with a receipt over 8 connections: each is printed by the
        # primary's printer, whichever process took the sale.
        for i in range(8):
            status, sale, _ = _call(
                port,
                token,
                "POST",
                "/checkouts",
                {
                    "customer_id": str(cid),
                    "receipt_no": f"W-{i}",
                    "print_receipt": True,
                    "lines": [{"unit_price": 100}],
                    "tenders": [{"type": "credit", "amount": None}],
                },
            )
            assert status == 201 and sale["receipt_job_id"], sale
        wait_until(
            lambda: len(list(receipts.glob("*-checkout.txt"))) == 8, timeout=20, interval=0.1
        )

        proc.send_signal(signal.SIGKILL)  # the worker must not outlive its primary
        proc.wait(10)
        wait_until(lambda: not any(_alive(w) for w in workers), timeout=10, interval=0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
