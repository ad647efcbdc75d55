"""A real ``tilledge serve`` over a fresh data directory, started, killed
with SIGKILL and started again: the crash tests' box (a pos terminal,
customers written straight into its database) and their kill loop."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from random import Random

from edge.platform import migrations
from tests.support.live import (
    TILLEDGE,
    add_terminal,
    free_tcp_port,
    insert_customer,
    serve_env,
    wait_healthy,
)


class LiveBox:
    def __init__(self, tmp: Path, workers: int = 1, terminal: str = "till") -> None:
        self.config = tmp / "tilledge.toml"
        data = tmp / "data"
        self.config.write_text(
            f'[box]\ndata_dir = "{data}"\nvat_id = "DE136695976"\n'
            'address = ["Hauptstr. 1", "01067 Dresden"]\n[discovery]\nenabled = false\n'
            f"[server]\nworkers = {workers}\n"
            "[devices.nfc]\nenabled = false\n[devices.printer]\nenabled = false\n"
            "[devices.display]\nenabled = false\n",
            encoding="utf-8",
        )
        self.db = data / "tilledge.db"
        migrations.apply(self.db)
        self.token = add_terminal(self.config, terminal)
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.ports: list[int] = []

    def insert(self, number: int, name: str) -> str:
        """A bare customer row; its id."""
        conn = sqlite3.connect(self.db)
        cid = insert_customer(conn, number, name, "t")
        conn.commit()
        conn.close()
        return str(cid)

    def customer(self, number: int, credit_limit: int | None = None) -> str:
        conn = sqlite3.connect(self.db)
        cid = insert_customer(conn, number, f"Haus {number}", "t")
        conn.execute(
            "UPDATE customers SET allow_invoice_payment = 1, credit_limit = ? WHERE id = ?",
            [credit_limit, cid],
        )
        conn.commit()
        conn.close()
        return str(cid)

    def start(self) -> None:
        self.port = free_tcp_port()
        self.ports.append(self.port)
        self.proc = subprocess.Popen(
            [TILLEDGE, "--config", str(self.config), "serve", "--listen", f"127.0.0.1:{self.port}"],
            env=serve_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_healthy(self.port, timeout=30, interval=0.05)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def kill_loop(
    box: LiveBox,
    cycles: int,
    rng: Random,
    client: Callable[[int, threading.Event], None],
    retry_unanswered: Callable[[], None],
    *,
    clients: int = 8,
    seconds: tuple[float, float] = (0.1, 0.6),
) -> None:
    """``cycles`` times: start the server, retry what the last crash left
    unanswered, run ``clients`` client threads ``client(seed, stop)`` and
    SIGKILL the server after a random moment. Ends with the server killed."""
    for cycle in range(cycles):
        box.start()
        retry_unanswered()
        stop = threading.Event()
        threads = [
            threading.Thread(target=client, args=(cycle * 100 + i, stop)) for i in range(clients)
        ]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(*seconds))
        box.kill()
        stop.set()
        for t in threads:
            t.join()
