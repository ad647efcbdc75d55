"""API latency while the panel's login is flooded (issue #15): ``GET
/customers/{id}`` p50/p99 on an idle box, then while 32 client addresses send
panel logins with made-up names as fast as they can; the ratio of the p99s
(target ≤ 2×).

Everything is real and on loopback: a ``tilledge serve`` process, attackers
each bound to its own 127.0.x.y source address with their own session cookie
and CSRF token (tests/support/login_flood.py), one till reading a customer
over a fresh connection per request (tests/support/live.py ``api_call``).

    .venv/bin/python benchmarks/bench_login_flood.py                 # < 1 min
    .venv/bin/python benchmarks/bench_login_flood.py --samples 1000 --json out.json

Bounded: ``--samples`` requests per phase and at most ``--max-seconds`` of
measuring. Prints a Markdown table for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support
# The served process runs this checkout's code, not whatever is installed.
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

from tests.support.live import (  # noqa: E402
    add_terminal,
    api_call,
    free_tcp_port,
    serving_healthy,
    sim_config,
)
from tests.support.login_flood import flood, loopback_addresses  # noqa: E402


def timed_reads(port: int, token: str, path: str, samples: int, deadline: float) -> list[float]:
    """Milliseconds per ``GET``; every answer must be 200."""
    out = []
    for _ in range(samples):
        if time.monotonic() > deadline:
            break
        t0 = time.perf_counter()
        status, body, _ = api_call(port, token, "GET", path)
        out.append((time.perf_counter() - t0) * 1000)
        assert status == 200, (status, body)
    return out


def summary(ms: list[float]) -> dict[str, float]:
    q = statistics.quantiles(ms, n=100)
    return {"n": len(ms), "p50": round(q[49], 1), "p99": round(q[98], 1), "max": round(max(ms), 1)}


def measure(
    samples: int, attackers: int, rate: float, max_seconds: float, security: str = ""
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-login-") as tmp:
        port = free_tcp_port()
        cfg = sim_config(Path(tmp), port)
        if security:  # e.g. "login_queue_seconds = 0.5": try other gate settings
            cfg.write_text(cfg.read_text() + f"[security]\n{security}\n", encoding="utf-8")
        token = add_terminal(cfg, "Till 1")
        with serving_healthy(cfg, port):
            status, customer, _ = api_call(port, token, "POST", "/customers", {"last_name": "K"})
            assert status == 201, customer
            path = f"/customers/{customer['id']}"
            deadline = time.monotonic() + max_seconds
            timed_reads(port, token, path, 50, deadline)  # warm-up
            idle = timed_reads(port, token, path, samples, deadline)
            stop = threading.Event()
            logins: list[Counter[int]] = []
            sources = loopback_addresses(attackers)
            attack = threading.Thread(
                target=lambda: logins.append(flood(port, sources, 0, stop=stop, interval=1 / rate))
            )
            attack.start()
            time.sleep(1.0)  # every attacker has its form and is sending
            flooded = timed_reads(port, token, path, samples, deadline)
            stop.set()
            attack.join(120)
    res = {
        "idle": summary(idle),
        "flood": summary(flooded),
        "logins": dict(logins[0]) if logins else {},
        "attackers": attackers,
        "rate_per_address": rate,
        "load_avg": round(os.getloadavg()[0], 1),
    }
    res["p99_ratio"] = round(res["flood"]["p99"] / res["idle"]["p99"], 2)
    return res


def report(res: dict[str, Any]) -> str:
    i, f, logins = res["idle"], res["flood"], res["logins"]
    ok = "met" if res["p99_ratio"] <= 2 else "**missed**"
    return "\n".join(
        [
            "| phase | requests | p50 | p99 | max | logins (401 = hashed, 429 = refused) |",
            "|---|---|---|---|---|---|",
            f"| idle | {i['n']} | {i['p50']} ms | {i['p99']} ms | {i['max']} ms | |",
            f"| {res['attackers']} addresses × {res['rate_per_address']}/s `POST /login`"
            f" | {f['n']} | {f['p50']} ms "
            f"| {f['p99']} ms | {f['max']} ms "
            f"| {logins.get(401, 0)} × 401, {logins.get(429, 0)} × 429 |",
            f"| **p99 ratio** (target ≤ 2×) | | | **{res['p99_ratio']}×** | | {ok};"
            f" load avg {res['load_avg']} |",
        ]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=400, help="API requests per phase")
    ap.add_argument("--attackers", type=int, default=32, help="client addresses flooding")
    ap.add_argument("--rate", type=float, default=4, help="logins per second per address")
    ap.add_argument("--max-seconds", type=float, default=90)
    ap.add_argument("--security", default="", help="extra [security] TOML lines")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()
    res = measure(args.samples, args.attackers, args.rate, args.max_seconds, args.security)
    print(report(res))
    print(json.dumps(res, indent=2), file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
