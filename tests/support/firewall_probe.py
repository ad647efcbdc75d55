"""Run inside a private network namespace (see test_firewall_netns.py).

Loads the box firewall with the real ``tilledge firewall apply`` and counts
which connections to a listener on the served port the kernel lets through,
from several loopback source addresses (127.0.0.1, .2, …: each its own
"client"). Prints one JSON document with what it observed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PORT = 8443  # a private namespace: nothing else holds it
EXE = str(Path(sys.executable).parent / "tilledge")


class Listener:
    """The served port: accepts and holds every connection until told."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("0.0.0.0", PORT), backlog=512)
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def drop(self, accepted: int) -> None:
        """Close the server side, once the ``accepted`` connections made are."""
        deadline = time.monotonic() + 5
        while len(self.held) < accepted and time.monotonic() < deadline:
            time.sleep(0.01)
        for conn in self.held:
            conn.close()
        self.held.clear()


def connect(source: str) -> socket.socket | None:
    s = socket.socket()
    s.settimeout(3)
    s.bind((source, 0))
    try:
        s.connect(("127.0.0.1", PORT))
    except OSError:
        s.close()
        return None
    return s


def burst(source: str, n: int) -> tuple[list[socket.socket], int]:
    """``n`` connections from ``source``: those that got in, how many were refused."""
    made = [connect(source) for _ in range(n)]
    ok = [s for s in made if s is not None]
    return ok, n - len(ok)


def close_all(socks: list[socket.socket], listener: Listener) -> None:
    for s in socks:
        s.close()
    listener.drop(len(socks))


def firewall(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TILLEDGE_")}
    return subprocess.run(
        [EXE, "--config", str(cfg), "firewall", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )


def write_config(cfg: Path, cap: int, rate: int) -> None:
    cfg.write_text(
        f'[box]\ndata_dir = "{cfg.parent / "data"}"\n'
        f'[server]\nlisten = "0.0.0.0:{PORT}"\n'
        f"connections_per_address = {cap}\nnew_connections_per_second = {rate}\n",
        encoding="utf-8",
    )


def main() -> None:
    cap, extra = 5, 4
    out: dict[str, Any] = {"cap": cap}
    cfg = Path(tempfile.mkdtemp(prefix="tilledge-fw-")) / "tilledge.toml"
    write_config(cfg, cap, 0)
    listener = Listener()

    held, refused = burst("127.0.0.1", cap + extra)
    out["without_rules"] = {"ok": len(held), "refused": refused}
    close_all(held, listener)

    r = firewall(cfg, "apply")
    out["apply"] = {"rc": r.returncode, "stderr": r.stderr.strip()}
    held, refused = burst("127.0.0.1", cap + extra)
    out["one_address"] = {"ok": len(held), "refused": refused}
    other = connect("127.0.0.2")
    out["other_address_connects"] = other is not None
    # A closed connection frees its place (the kernel forgets it).
    held.pop().close()
    listener.drop(len(held) + 2)
    deadline = time.monotonic() + 10
    again = None
    while again is None and time.monotonic() < deadline:
        again = connect("127.0.0.1")
        if again is None:
            time.sleep(0.1)
    out["freed_place_reused"] = again is not None
    close_all([*held, *(s for s in (other, again) if s)], listener)
    listed = subprocess.run(
        ["nft", "list", "table", "inet", "tilledge"], capture_output=True, text=True, check=True
    )
    out["ruleset"] = listed.stdout

    # A connect flood from one address: the rate limit refuses it, a
    # second address still gets in. Re-applying replaces the table.
    write_config(cfg, 1000, 5)
    out["reapply_rc"] = firewall(cfg, "apply").returncode
    held, refused = burst("127.0.0.3", 40)
    out["flood"] = {"ok": len(held), "refused": refused}
    other = connect("127.0.0.4")
    out["flood_other_address_connects"] = other is not None
    close_all([*held, *([other] if other else [])], listener)

    out["remove_rc"] = firewall(cfg, "remove").returncode
    held, refused = burst("127.0.0.1", cap + extra)
    out["after_remove"] = {"ok": len(held), "refused": refused}
    close_all(held, listener)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
