"""Load harness for the money routes (issue 5), loopback only, bounded.

Runs the real ``tilledge serve`` as a subprocess and measures, in one run:

* the raw SQLite durable single-commit rate on this disk (WAL, synchronous=FULL);
* a bare route (``GET /api/v1/health``; with workers the primary answers it) under
  16 concurrent terminals;
* 16 terminals doing checkouts and payments (each with its own Idempotency-Key),
  with group commit and with one commit per operation (``server.write_batch = 1``),
  as a closed loop (each terminal sends again the moment it has its answer: the
  most the server can do);
* the same 16 terminals at a fixed offered rate (``--rate``, default 1,000
  operations/s, wrk2-style schedule: latency counted from when a request was
  due, so stalls are not hidden) — the latency a shop sees at that load;
* the same two money runs on a simulated slow disk: every fsync/fdatasync of the
  server returns 5 ms late, as on a Pi's SD card, through a preloaded shim
  (``slow_fsync.c``, built with ``cc``) or, with ``--slow-disk strace``, through
  strace's fault injection (the issue's recipe, whose ptrace stops also cost CPU).

Prints a table and writes JSON (``--out``). Every run is bounded by ``--seconds``.

    .venv/bin/python benchmarks/load_harness.py --seconds 8 --out benchmarks/results/load.json
"""

from __future__ import annotations

import argparse
import atexit
import functools
import http.client
import json
import multiprocessing as mp
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support

from tests.support.live import (
    add_terminal,
    free_tcp_port,
    insert_customer,
    serve_env,
    wait_healthy,
)

EXE = Path(sys.executable).parent / "tilledge"
TERMINALS = 16
CLIENT_PROCS = 2
CLIENT = "wrk" if shutil.which("wrk") else "python"
WORKERS = os.cpu_count() or 1  # server.workers: one process per core
RATE = 1000.0  # offered money operations/s for the fixed-rate run


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


# ------------------------------------------------------------- raw SQLite --


def raw_commit_rate(directory: Path, seconds: float, slow_fsync: bool) -> float:
    """Single-row durable commits per second, in a child process (so the slow disk can wrap it)."""
    code = (
        "import sqlite3,sys,time\n"
        "c=sqlite3.connect(sys.argv[1],isolation_level=None)\n"
        "c.execute('PRAGMA journal_mode=WAL');c.execute('PRAGMA synchronous=FULL')\n"
        "c.execute('CREATE TABLE IF NOT EXISTS t(x)')\n"
        "n=0;end=time.monotonic()+float(sys.argv[2])\n"
        "while time.monotonic()<end:\n"
        " c.execute('BEGIN');c.execute('INSERT INTO t VALUES (1)');c.execute('COMMIT');n+=1\n"
        "print(n/float(sys.argv[2]))\n"
    )
    db = directory / f"raw-{uuid.uuid4().hex}.db"
    cmd, env = [sys.executable, "-c", code, str(db), str(seconds)], dict(os.environ)
    if slow_fsync:
        cmd, env = on_slow_disk(cmd, env)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return float(out.stdout.strip().splitlines()[-1])


SLOW_DISK = "preload"  # or "strace" (--slow-disk)
# The recipe. Its ptrace stops cost CPU per context switch of every
# traced thread, which a real SD card does not (benchmarks/README.md: "Two ways
# to slow a disk"), so the shim is the default.
STRACE = [
    "strace",
    "-qq",
    "-o",
    "/dev/null",
    "--seccomp-bpf",
    "-f",
    "-e",
    "trace=fdatasync,fsync",
    "-e",
    "inject=fdatasync:delay_exit=5000",
    "-e",
    "inject=fsync:delay_exit=5000",
]


@functools.cache
def _shim() -> Path:
    """slow_fsync.c, built once per harness run."""
    build = Path(tempfile.mkdtemp(prefix="tilledge-slow-"))
    atexit.register(shutil.rmtree, build, ignore_errors=True)
    out = build / "slow_fsync.so"
    src = Path(__file__).with_name("slow_fsync.c")
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", str(out), str(src), "-ldl"], check=True)
    return out


def on_slow_disk(cmd: list[str], env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """``cmd`` and ``env`` so that every fsync/fdatasync returns 5 ms late."""
    if SLOW_DISK == "strace":
        return STRACE + cmd, env
    return cmd, {**env, "LD_PRELOAD": str(_shim()), "SLOW_FSYNC_US": "5000"}


# ------------------------------------------------------------------ server --


class Server:
    def __init__(self, root: Path, *, write_batch: int, slow_fsync: bool) -> None:
        self.root = root
        self.port = free_tcp_port()
        env = serve_env()
        env["TILLEDGE_SERVER_WRITE_BATCH"] = str(write_batch)
        env["TILLEDGE_SERVER_THREADS"] = os.environ.get("BENCH_THREADS", "32")
        env["TILLEDGE_SERVER_WORKERS"] = str(WORKERS)
        cmd = [
            str(EXE),
            "--config",
            str(root / "tilledge.toml"),
            "serve",
            "--listen",
            f"127.0.0.1:{self.port}",
        ]
        if slow_fsync:
            cmd, env = on_slow_disk(cmd, env)
        self.proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_healthy(self.port, timeout=60, interval=0.1)
        except AssertionError:
            self.stop()
            raise RuntimeError("server did not start") from None

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def make_box(root: Path) -> dict[str, Any]:
    """A box with one funded customer and card per terminal."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "tilledge.toml").write_text(
        f'[box]\ndata_dir = "{root / "data"}"\n'
        "[ledger]\nmax_topup = 100000000\n"
        "[discovery]\nenabled = false\n"
        "[devices.nfc]\nenabled = false\n[devices.printer]\nenabled = false\n"
        "[devices.display]\nenabled = false\n",
        encoding="utf-8",
    )
    token = add_terminal(root / "tilledge.toml", "bench")
    db = sqlite3.connect(root / "data" / "tilledge.db")
    customers, cards = [], []
    for i in range(TERMINALS):
        cid = insert_customer(db, 70000 + i, f"Load {i}", "b")
        uid = f"04{i:012X}"
        db.execute(
            "INSERT INTO cards (uid, customer_id, created_at, created_by) VALUES (?, ?, 'x', 'b')",
            [uid, cid],
        )
        customers.append(str(cid))
        cards.append(uid)
    db.commit()
    db.close()
    return {"token": token, "customers": customers, "cards": cards}


def fund(port: int, setup: dict[str, Any]) -> None:
    for cid in setup["customers"]:
        status, _ = call(
            port, setup["token"], "POST", f"/customers/{cid}/topups", {"amount": 90_000_000}
        )
        assert status == 201


def call(
    port: int,
    token: str,
    method: str,
    path: str,
    body: Any = None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, Any]:
    own = conn is None
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
        headers["Idempotency-Key"] = str(uuid.uuid4())
    c.request(method, f"/api/v1{path}", body=data, headers=headers)
    r = c.getresponse()
    payload = r.read()
    if own:
        c.close()
    return r.status, payload


# ------------------------------------------------------------------ clients --


def _client_proc(
    port: int, setup: dict[str, Any], kind: str, indexes: list[int], seconds: float, out: Any
) -> None:
    lats: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start_at = time.monotonic() + 0.5
    end_at = start_at + seconds

    def terminal(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        n = 0
        while time.monotonic() < start_at:
            time.sleep(0.001)
        while time.monotonic() < end_at:
            n += 1
            t0 = time.perf_counter()
            try:
                if kind == "bare":
                    status, _ = call(port, "", "GET", "/health", conn=conn)
                elif n % 2:
                    status, _ = call(
                        port,
                        setup["token"],
                        "POST",
                        "/checkouts",
                        {
                            "card_uid": setup["cards"][i],
                            "receipt_no": f"L{i}-{uuid.uuid4().hex}",
                            "lines": [
                                {
                                    "sku": "1",
                                    "quantity": "2",
                                    "unit_price": 380,
                                    "vat_rate_bp": 1900,
                                },
                                {
                                    "sku": "2",
                                    "quantity": "1",
                                    "unit_price": 250,
                                    "vat_rate_bp": 700,
                                },
                            ],
                            "tenders": [{"type": "credit", "amount": None}],
                        },
                        conn=conn,
                    )
                else:
                    status, _ = call(
                        port,
                        setup["token"],
                        "POST",
                        f"/customers/{setup['customers'][i]}/payments",
                        {"amount": 100},
                        conn=conn,
                    )
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                bad += 1
                continue
            mine.append(time.perf_counter() - t0)
            if status not in (200, 201):
                bad += 1
        with lock:
            lats.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=terminal, args=(i,)) for i in indexes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((lats, errors[0]))


WRK_SCRIPT = Path(__file__).with_name("wrk_load.lua")


def run_wrk(
    port: int, setup: dict[str, Any], kind: str, seconds: float, rate: float | None = None
) -> dict[str, float]:
    """16 connections from wrk (C, two threads): the load generator costs the
    2-core machine far less CPU than Python clients, so the server is measured.
    With ``rate`` (operations/s in all) requests follow a fixed schedule and
    p50/p99 are counted from each request's due time."""
    threads = min(2, TERMINALS)
    out = subprocess.run(
        [
            "wrk",
            f"-c{TERMINALS}",
            f"-t{threads}",
            f"-d{int(seconds)}s",
            "--timeout",
            "10s",
            "-s",
            str(WRK_SCRIPT),
            f"http://127.0.0.1:{port}",
            "--",
            kind,
            setup["token"],
            ",".join(setup["customers"]),
            ",".join(setup["cards"]),
            *([str(rate / threads)] if rate else []),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    duration = r["duration_us"] / 1e6
    result = {
        "requests": r["requests"],
        "errors": r["non2xx"] + r["socket_errors"],
        "non2xx": r["non2xx"],
        "socket_errors": r["socket_errors"],
        "throughput_rps": r["requests"] / duration,
        "p50_ms": r["p50_us"] / 1000,
        "p99_ms": r["p99_us"] / 1000,
        "mean_ms": r["mean_us"] / 1000,
    }
    if rate:
        result.update(
            offered_rps=rate,
            p50_ms=r["sched_p50_us"] / 1000,
            p99_ms=r["sched_p99_us"] / 1000,
            max_ms=r["sched_max_us"] / 1000,
            sent_to_answer_p99_ms=r["p99_us"] / 1000,
        )
    return result


def run_load(port: int, setup: dict[str, Any], kind: str, seconds: float) -> dict[str, float]:
    if kind == "money_at_rate":
        if CLIENT != "wrk":
            raise SystemExit("--rate needs wrk (apt-get install wrk)")
        return run_wrk(port, setup, "money", seconds, rate=RATE)
    if CLIENT == "wrk":
        return run_wrk(port, setup, kind, seconds)
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    per = TERMINALS // CLIENT_PROCS
    procs = [
        ctx.Process(
            target=_client_proc,
            args=(port, setup, kind, list(range(k * per, (k + 1) * per)), seconds, q),
        )
        for k in range(CLIENT_PROCS)
    ]
    for p in procs:
        p.start()
    lats: list[float] = []
    errors = 0
    for _ in procs:
        got, bad = q.get(timeout=seconds + 120)
        lats += got
        errors += bad
    for p in procs:
        p.join()
    return {
        "requests": len(lats),
        "errors": errors,
        "throughput_rps": len(lats) / seconds,
        "p50_ms": percentile(lats, 50) * 1000,
        "p99_ms": percentile(lats, 99) * 1000,
        "mean_ms": statistics.fmean(lats) * 1000 if lats else float("nan"),
    }


def measure(
    root: Path, *, write_batch: int, slow_fsync: bool, seconds: float, kinds: tuple[str, ...]
) -> dict[str, Any]:
    if root.exists():
        shutil.rmtree(root)
    setup = make_box(root)
    server = Server(root, write_batch=write_batch, slow_fsync=slow_fsync)
    try:
        fund(server.port, setup)
        results = {k: run_load(server.port, setup, k, seconds) for k in kinds}
    finally:
        server.stop()
    verify = subprocess.run(
        [str(EXE), "--config", str(root / "tilledge.toml"), "ledger", "verify", "--json"],
        capture_output=True,
        text=True,
    )
    results["ledger_verify_ok"] = verify.returncode == 0
    # Every answered request must be a new operation, not a replay of another
    # terminal's key (a load generator bug once made half of them replays).
    db = sqlite3.connect(root / "data" / "tilledge.db")
    new_ops = db.execute("SELECT count(*) FROM idempotency_keys").fetchone()[0] - TERMINALS
    db.close()
    answered = sum(r["requests"] for k, r in results.items() if k.startswith("money"))
    results["new_operations"] = new_ops
    if new_ops < answered:
        raise SystemExit(f"{answered} money requests answered but only {new_ops} new operations")
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--no-slow-disk", action="store_true", help="skip the slow-disk runs")
    ap.add_argument(
        "--slow-disk",
        choices=["preload", "strace"],
        default=SLOW_DISK,
        help="how fsync is slowed by 5 ms: an LD_PRELOAD shim (default) or strace",
    )
    ap.add_argument(
        "--client",
        choices=["wrk", "python"],
        default=CLIENT,
        help="load generator (wrk when installed)",
    )
    ap.add_argument(
        "--workers", type=int, default=WORKERS, help="server.workers (default: one per core)"
    )
    ap.add_argument(
        "--rate", type=float, default=RATE, help="offered money operations/s for the fixed-rate run"
    )
    args = ap.parse_args()
    globals()["CLIENT"] = args.client
    globals()["WORKERS"] = args.workers
    globals()["RATE"] = args.rate
    globals()["SLOW_DISK"] = args.slow_disk
    if not EXE.exists():
        sys.exit(f"{EXE} missing: run `make setup` first")
    tool = "strace" if args.slow_disk == "strace" else "cc"
    slow = not args.no_slow_disk and shutil.which(tool) is not None
    report: dict[str, Any] = {
        "seconds": args.seconds,
        "terminals": TERMINALS,
        "cores": os.cpu_count(),
        "workers": args.workers,
    }
    with tempfile.TemporaryDirectory(prefix="tilledge-load-") as tmp:
        root = Path(tmp)
        report["raw_sqlite_commits_per_s"] = raw_commit_rate(root, 3, False)
        fast = measure(
            root / "group",
            write_batch=128,
            slow_fsync=False,
            seconds=args.seconds,
            kinds=("bare", "money", "money_at_rate"),
        )
        single = measure(
            root / "single", write_batch=1, slow_fsync=False, seconds=args.seconds, kinds=("money",)
        )
        report["fast_disk"] = {
            "bare": fast["bare"],
            "group_commit": fast["money"],
            "group_commit_at_rate": fast["money_at_rate"],
            "one_commit_per_op": single["money"],
            "ledger_verify_ok": fast["ledger_verify_ok"] and single["ledger_verify_ok"],
        }
        if slow:
            report["raw_sqlite_commits_per_s_slow_disk"] = raw_commit_rate(root, 3, True)
            g = measure(
                root / "slow-group",
                write_batch=128,
                slow_fsync=True,
                seconds=args.seconds,
                kinds=("money",),
            )
            s = measure(
                root / "slow-single",
                write_batch=1,
                slow_fsync=True,
                seconds=args.seconds,
                kinds=("money",),
            )
            report["slow_disk"] = {
                "fsync_delay_ms": 5,
                "simulated_by": args.slow_disk,
                "group_commit": g["money"],
                "one_commit_per_op": s["money"],
                "ledger_verify_ok": g["ledger_verify_ok"] and s["ledger_verify_ok"],
            }
    fd = report["fast_disk"]
    lines = [
        f"server.workers = {args.workers} (granian when > 1), "
        f"{report['cores']} cores, client {args.client}",
        f"raw SQLite durable commits/s: {report['raw_sqlite_commits_per_s']:.0f}",
        "fast disk:",
        _row("bare route GET /health", fd["bare"]),
        _row("money, group commit", fd["group_commit"]),
        _row(f"money at {args.rate:.0f}/s offered", fd["group_commit_at_rate"]),
        _row("money, one commit/op", fd["one_commit_per_op"]),
        f"  money / bare throughput: "
        f"{fd['group_commit']['throughput_rps'] / fd['bare']['throughput_rps']:.2f}",
    ]
    if "slow_disk" in report:
        sd = report["slow_disk"]
        ratio = sd["group_commit"]["throughput_rps"] / sd["one_commit_per_op"]["throughput_rps"]
        report["slow_disk"]["group_vs_single_ratio"] = ratio
        lines += [
            f"slow disk (fsync +5 ms, {sd['simulated_by']}), raw commits/s: "
            f"{report['raw_sqlite_commits_per_s_slow_disk']:.0f}",
            _row("money, group commit", sd["group_commit"]),
            _row("money, one commit/op", sd["one_commit_per_op"]),
            f"  group commit / one commit per op: {ratio:.1f}x",
        ]
    print("\n".join(lines))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def _row(name: str, r: dict[str, float]) -> str:
    return (
        f"  {name:<24} {r['throughput_rps']:8.0f} req/s  p50 {r['p50_ms']:6.1f} ms  "
        f"p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}"
    )


if __name__ == "__main__":
    main()
