"""``server.workers = 2``: granian's two worker processes serve the port and
share the database; the primary keeps the devices behind its Unix socket.

Connections are spread over the workers by the kernel, so every check here uses
many fresh connections: money stays exact and exactly-once across them, the
event stream and receipts (primary-only) work through the relay, and every
worker process dies with the primary (SIGKILL included)."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from drivers.nfc_sim import free_udp_port
from tests.support.devices import SSEClient, simulate_tap, terminal_token, wait_until
from tests.support.fakes import processes_with
from tests.support.live import api_call, free_tcp_port, serving


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
    token = terminal_token(cfg, "T1")
    with serving(cfg, stderr=subprocess.PIPE) as proc:

        def up() -> bool:
            try:
                return bool(api_call(port, token, "GET", "/health")[0] == 200)
            except OSError:
                return False

        wait_until(up, timeout=30, interval=0.2)
        granian = f"--port\0{port}\0".encode()  # master and workers share its command line
        assert len(processes_with(granian)) >= 3  # granian's master and its two workers

        status, created, _ = api_call(port, token, "POST", "/customers", {"last_name": "W"})
        assert status == 201, created
        cid = created["id"]
        status, body, _ = api_call(
            port, token, "POST", f"/customers/{cid}/topups", {"amount": 10_000}
        )
        assert status == 201, body
        # 40 payments of 100 over 40 connections, each retried once with its key.
        for i in range(40):
            key = f"pay-{i}"
            pay = ("POST", f"/customers/{cid}/payments", {"amount": 100}, key)
            first = api_call(port, token, *pay)
            again = api_call(port, token, *pay)
            assert first[0] == 201 and again[0] == 201 and again[2] == "true"
            assert again[1] == first[1]
        status, cust, _ = api_call(port, token, "GET", f"/customers/{cid}")
        assert status == 200 and cust["cash"] == 10_000 - 40 * 100

        # Event streams on 8 connections (some land on the worker, which relays
        # the primary's stream); a tap reaches every one of them.
        clients = [SSEClient(port, token, query="?terminal=T1") for _ in range(8)]
        try:
            time.sleep(0.5)
            simulate_tap(cfg, "04A1B2C3D4E5F6")
            for sse in clients:
                sse.wait_for(lambda n, d: n == "card.tapped", timeout=10)
        finally:
            for sse in clients:
                sse.close()

        # Checkouts with a receipt over 8 connections: each is printed by the
        # primary's printer, whichever process took the sale.
        for i in range(8):
            status, sale, _ = api_call(
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
        wait_until(lambda: not processes_with(granian), timeout=10, interval=0.05)
