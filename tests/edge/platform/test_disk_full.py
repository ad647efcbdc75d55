"""A full disk under the running service: money POSTs answer ``507
storage_full`` with ``Retry-After``, nothing is written (the journal and the
Idempotency-Key included), health says ``db: full``; once space is freed the
same request succeeds, health is ok again and the journal verifies — no
restart. The real ``tilledge serve`` runs with its data dir on a 2 MiB tmpfs
in its own mount namespace (tests/support/mountns.py)."""

from __future__ import annotations

import errno
import http.client
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support import mountns
from tests.support.live import TILLEDGE, api_call, free_tcp_port, serve_env, wait_healthy

pytestmark = pytest.mark.skipif(not mountns.available(), reason="unshare -rm cannot mount here")


def post(
    port: int, token: str, path: str, body: Any, key: str
) -> tuple[int, Any, http.client.HTTPMessage]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Idempotency-Key": key,
    }
    try:
        conn.request("POST", f"/api/v1{path}", json.dumps(body), headers)
        resp = conn.getresponse()
        # The message, not a dict: header names are case-insensitive (granian sends lowercase).
        return resp.status, json.loads(resp.read()), resp.headers
    finally:
        conn.close()


def fill(path: Path) -> None:
    """Write ``path`` until the disk is full."""
    chunk = bytes(64 * 1024)
    with path.open("wb", buffering=0) as f:
        for size in (len(chunk), 4096, 512, 1):
            try:
                while True:
                    f.write(chunk[:size])
            except OSError as e:
                assert e.errno == errno.ENOSPC, e


def query(pid: int, db: Path, sql: str, *args: str) -> Any:
    """The first column of the first row of ``sql`` on the database the server
    ``pid`` sees at ``db``, read in its mount namespace (read-only)."""
    script = (
        "import sqlite3, sys, json\n"
        "conn = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True)\n"
        "row = conn.execute(sys.argv[2], sys.argv[3:]).fetchone()\n"
        "print(json.dumps(row and row[0]))\n"
    )
    argv = [sys.executable, "-c", script, str(db), sql, *args]
    out = subprocess.run(mountns.enter(pid, argv), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_disk_full_answers_507_writes_nothing_and_recovers_without_restart(tmp_path: Path) -> None:
    subprocess.run(
        [TILLEDGE, "demo", "--dir", str(tmp_path / "box"), "--customers", "2"],
        env=serve_env(), check=True, capture_output=True,
    )  # fmt: skip
    config = tmp_path / "box" / "tilledge.toml"
    token = (tmp_path / "box" / "demo-token.txt").read_text().strip()
    data = tmp_path / "box" / "data"
    seed = tmp_path / "seed"
    data.rename(seed)
    data.mkdir(mode=0o700)
    port = free_tcp_port()
    argv = [TILLEDGE, "--config", str(config), "serve", "--listen", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(
        mountns.command(mountns.tmpfs(data, "2m", seed=seed), argv),
        env=serve_env(), stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_healthy(port, timeout=60, interval=0.2)
        live = mountns.seen_by(proc.pid, data)
        db = data / "tilledge.db"

        def journal_rows() -> int:
            return int(query(proc.pid, db, "SELECT count(*) FROM journal"))

        topup = "/customers/1/topups"
        status, _, _ = post(port, token, topup, {"amount": 1000}, str(uuid.uuid4()))
        assert status == 201

        fill(live / "ballast")
        # The WAL may still hold a few frames' room from earlier commits: the
        # disk refuses the write that needs more, which comes within a few.
        for _ in range(200):
            key, before = str(uuid.uuid4()), journal_rows()
            status, body, headers = post(port, token, topup, {"amount": 500}, key)
            if status != 201:
                break
        assert status == 507, body
        assert body["code"] == "storage_full"
        assert int(headers["Retry-After"]) > 0
        assert headers["Content-Type"] == "application/problem+json"
        assert journal_rows() == before
        assert query(proc.pid, db, "SELECT count(*) FROM idempotency_keys WHERE key = ?", key) == 0
        _, health, _ = api_call(port, token, "GET", "/health")
        assert (health["db"], health["status"]) == ("full", "degraded")
        # Reads still answer on a full disk.
        assert api_call(port, token, "GET", "/customers/1")[0] == 200

        (live / "ballast").unlink()
        _, health, _ = api_call(port, token, "GET", "/health")
        assert (health["db"], health["status"]) == ("ok", "ok"), health
        status, body, headers = post(port, token, topup, {"amount": 500}, key)
        assert status == 201, body
        assert "Idempotent-Replayed" not in headers  # the key was not burned by the 507
        assert journal_rows() > before
        verify = subprocess.run(
            mountns.enter(proc.pid, [TILLEDGE, "--config", str(config), "ledger", "verify"]),
            env=serve_env(), capture_output=True, text=True,
        )  # fmt: skip
        assert verify.returncode == 0, verify.stderr + verify.stdout
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err.decode(), err.decode()
