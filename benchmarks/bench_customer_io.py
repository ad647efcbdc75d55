"""Customer export and import at scale (bounded; numbers into benchmarks/README.md).

    .venv/bin/python benchmarks/bench_customer_io.py [--export 100000] [--import-rows 10000]
    .venv/bin/python benchmarks/bench_customer_io.py --server-export 1000000

``--server-export N``: N customers bulk-inserted straight into the schema
(``edge.demo.customers.bulk_insert``, as ``bench_customers.py``), then the
real ``tilledge serve`` exports them through the API (start the job, poll it,
stream the file down); reports the server process's peak RSS above its idle
RSS (sampled every 20 ms from ``/proc/PID/status``) against the 60 MB target.

1. N generated customers (``edge.demo.customers.seed``) in a temp box.
2. Export with the real code (the ZIP of two CSVs from 100,000, else XLSX);
   reports seconds and the peak RSS of this process above the RSS before the
   export (``ru_maxrss`` is a high-water mark, so the export runs in a child
   process that has done nothing else).
3. Import of a file with 1 % bad rows (no last name): dry run, real run and a
   second run; reports rows/s and RSS, and checks the outcomes add up.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class _Peak:
    """The highest VmRSS seen while running (sampled every 20 ms)."""

    def __enter__(self) -> _Peak:
        self.idle = self.peak = _rss_mb()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()

    @property
    def above_idle(self) -> float:
        return self.peak - self.idle


def _box(d: str):  # type: ignore[no-untyped-def]
    from edge.platform.box import Box
    from edge.platform.config import load_config

    return Box.open(load_config(overrides={"box.data_dir": d}, environ={}))


def child_export(d: str, fmt: str) -> None:
    from edge.customers.io.exports import export_jobs
    from edge.customers.io.source import ExportFilters

    with _box(d) as box:
        box.db.reader().execute("SELECT count(*) FROM customers").fetchone()
        with _Peak() as peak:
            t = time.perf_counter()
            job = export_jobs(box).run(ExportFilters(), actor="bench", fmt=fmt)  # type: ignore[arg-type]
            secs = time.perf_counter() - t
        print(json.dumps({"rows": job.rows, "format": job.format, "s": secs,
                          "rss_above_idle_mb": peak.above_idle,
                          "size_mb": job.path.stat().st_size / 2**20}))  # fmt: skip


def child_import(d: str, path: str) -> None:
    from edge.customers.io.import_rows import import_file

    with _box(d) as box:
        out: dict[str, object] = {}
        with _Peak() as peak:
            for name, dry in (("dry run", True), ("real run", False), ("second run", False)):
                counts: dict[str, int] = {}
                t = time.perf_counter()
                for r in import_file(box, Path(path), dry_run=dry):
                    counts[r.outcome] = counts.get(r.outcome, 0) + 1
                secs = time.perf_counter() - t
                n = sum(counts.values())
                out[name] = {"counts": counts, "rows_per_s": n / secs, "s": secs}
        out["rss_above_idle_mb"] = peak.above_idle
        print(json.dumps(out))


RSS_TARGET_MB = 60


def _proc_rss_mb(pid: int, key: str = "VmRSS") -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


class _ServerPeak:
    """The server's highest VmRSS (and its anonymous part) while sampling."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = self.anon = 0.0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _ServerPeak:
        self._t.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _proc_rss_mb(self.pid))
            self.anon = max(self.anon, _proc_rss_mb(self.pid, "RssAnon"))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def _http(port: int, token: str, method: str, path: str, body: object = None):  # type: ignore[no-untyped-def]
    import http.client
    import uuid

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if method == "POST":
        headers["Idempotency-Key"] = str(uuid.uuid4())
    conn.request(method, f"/api/v1{path}", json.dumps(body) if body is not None else None,
                 headers)  # fmt: skip
    return conn, conn.getresponse()


def server_export(count: int, from_db: str | None = None) -> dict[str, object]:
    """Bulk-insert ``count`` customers (or copy ``from_db``, a database this
    benchmark generated before), export them through a real server."""
    import os
    import shutil
    import signal

    from benchmarks.bench_customers import generate
    from tests.support.live import free_tcp_port, serve_env, wait_healthy

    exe = Path(sys.executable).parent / "tilledge"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "data").mkdir(mode=0o700)
        (root / "tilledge.toml").write_text(
            f'[box]\ndata_dir = "{root / "data"}"\n[discovery]\nenabled = false\n'
            "[devices.nfc]\nenabled = false\n[devices.printer]\nenabled = false\n"
            "[devices.display]\nenabled = false\n",
            encoding="utf-8",
        )
        if from_db:
            shutil.copyfile(from_db, root / "data" / "tilledge.db")
        else:
            print("generated", generate(root / "data" / "tilledge.db", count), flush=True)
        out = subprocess.run(
            [str(exe), "--config", str(root / "tilledge.toml"), "terminal", "add", "office",
             "--scope", "manager", "--json"],
            capture_output=True, text=True, check=True, env=serve_env(),
        )  # fmt: skip
        token = json.loads(out.stdout)["token"]
        port = free_tcp_port()
        proc = subprocess.Popen(
            [str(exe), "--config", str(root / "tilledge.toml"), "serve", "--listen",
             f"127.0.0.1:{port}"],
            env=serve_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        try:
            wait_healthy(port, timeout=120, interval=0.2)
            conn, resp = _http(port, token, "GET", "/customers?limit=5")  # warm the routes
            resp.read()
            conn.close()
            time.sleep(1)
            idle, idle_anon = _proc_rss_mb(proc.pid), _proc_rss_mb(proc.pid, "RssAnon")
            t = time.perf_counter()
            with _ServerPeak(proc.pid) as during_export:
                conn, resp = _http(port, token, "POST", "/customers/exports", {})
                job = json.loads(resp.read())
                conn.close()
                while job["state"] == "running":
                    time.sleep(1)
                    conn, resp = _http(port, token, "GET", f"/customers/exports/{job['id']}")
                    job = json.loads(resp.read())
                    conn.close()
            written = time.perf_counter() - t
            with _ServerPeak(proc.pid) as during_download:
                conn, resp = _http(port, token, "GET", f"/customers/exports/{job['id']}/file")
                size = 0
                while chunk := resp.read(1 << 16):
                    size += len(chunk)
                conn.close()
            total = time.perf_counter() - t
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
    return {
        "rows": job["rows"], "format": job["format"], "state": job["state"],
        "export_s": round(written, 1), "with_download_s": round(total, 1),
        "rows_per_s": round(job["rows"] / written), "file_mb": round(size / 2**20, 1),
        "server_idle_rss_mb": round(idle, 1),
        "above_idle_mb": round(max(during_export.peak, during_download.peak) - idle, 1),
        "export_above_idle_mb": round(during_export.peak - idle, 1),
        "export_anon_above_idle_mb": round(during_export.anon - idle_anon, 1),
        "download_above_idle_mb": round(during_download.peak - idle, 1),
        "target_mb": RSS_TARGET_MB,
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--export", type=int, default=100_000)
    ap.add_argument("--import-rows", type=int, default=10_000)
    ap.add_argument("--server-export", type=int, help="N customers exported through the server")
    ap.add_argument("--from-db", help="with --server-export: copy this generated database")
    ap.add_argument("--child", nargs="*")
    a = ap.parse_args()
    if a.server_export:
        print("server export", json.dumps(server_export(a.server_export, a.from_db)), flush=True)
        return
    if a.child:
        {"export": child_export, "import": child_import}[a.child[0]](*a.child[1:])
        return
    from edge.demo.customers import seed

    with tempfile.TemporaryDirectory() as tmp:
        d = f"{tmp}/box"
        with _box(d) as box:
            seed(box, a.export)

        def child(*args: str) -> dict:  # type: ignore[type-arg]
            r = subprocess.run([sys.executable, __file__, "--child", *args],
                               capture_output=True, text=True, check=True)  # fmt: skip
            return json.loads(r.stdout.strip().splitlines()[-1])

        for fmt in ("auto", "xlsx"):
            print("export", fmt, child("export", d, fmt), flush=True)
        src = Path(tmp) / "import.csv"
        with src.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f, delimiter=";")
            w.writerow(["Kundennummer", "Vorname", "Name", "PLZ", "Ort", "E-Mail"])
            for i in range(a.import_rows):
                last = "" if i % 100 == 99 else f"Import{i}"
                w.writerow([9_000_000 + i, "Eva", last, f"{i % 100000:05d}", "Köln",
                            f"import{i}@example.org"])  # fmt: skip
        print("import", child("import", f"{tmp}/empty", str(src)), flush=True)


if __name__ == "__main__":
    main()
