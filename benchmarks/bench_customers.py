"""Customer base at scale: search, card tap and create latency, and memory.

    .venv/bin/python benchmarks/bench_customers.py [--customers 1000000] [--write-readme]

1. A child process writes N realistic customers (German and international
   names, phones, companies, cards; ``edge.demo.customers``) straight into a temp
   SQLite database through the real schema (migrations) and the same
   derived-column code the API uses (bulk ``executemany``, no per-row
   validation).
2. This process then opens the box like ``tilledge serve`` does and measures
   every request **through the Flask app** (test client: routing, bearer-token
   auth, pydantic validation, service code, SQLite, JSON): name-prefix,
   phone-fragment, company and customer-number search, card tap lookup and
   customer creation (durable commit, ``synchronous=FULL``, Idempotency-Key).
3. It reports p50/p99 per kind and the resident memory of this (serving)
   process. Targets at 1,000,000 customers: search p99 <= 10 ms, card lookup
   p99 <= 1 ms, create p99 <= 5 ms, RSS <= 150 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS_MS = {"search": 10.0, "card lookup": 1.0, "create": 5.0}
RSS_TARGET_MB = 150
README = ROOT / "benchmarks" / "README.md"
SECTION = "## Customer base"


def generate(db_path: Path, count: int) -> dict[str, Any]:
    """Child process: schema + bulk insert. Large cache and no fsync: it is a fixture."""
    from edge.demo import customers as demo_data
    from edge.platform import migrations

    t0 = time.perf_counter()
    migrations.apply(db_path)
    conn = sqlite3.connect(str(db_path), isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    conn.execute("BEGIN")
    groups = demo_data.ensure_groups(conn, "2026-01-01T00:00:00Z")
    written = demo_data.bulk_insert(
        conn, demo_data.generate(count, seed=7), first_number=10000, groups=groups
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    # Written with synchronous=OFF: flush it now, or the kernel writes ~900 MB
    # back while the searches are measured and their reads queue behind it
    # (seen: name-prefix p99 15 ms right after generation, 3 ms once flushed).
    fd = os.open(db_path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return {"customers": written, "seconds": round(time.perf_counter() - t0, 1)}


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def rss_mb() -> tuple[float, float]:
    text = Path("/proc/self/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024  # type: ignore[union-attr]
    hwm = int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) / 1024  # type: ignore[union-attr]
    return rss, hwm


def samples(db_path: Path, n: int, rng: random.Random) -> dict[str, list[str]]:
    """Realistic inputs taken from the data: what a cashier would type."""
    conn = sqlite3.connect(str(db_path))
    conn.row_factory = sqlite3.Row
    top = conn.execute("SELECT max(id) FROM customers").fetchone()[0]
    rows = []
    while len(rows) < n * 8:
        row = conn.execute(
            "SELECT first_name, last_name, company_name, phone, mobile, customer_number"
            " FROM customers WHERE id = ?",
            [rng.randint(1, top)],
        ).fetchone()
        if row:
            rows.append(row)
    card_ids = ",".join(str(rng.randint(1, top // 2)) for _ in range(n * 2))
    uids = [
        x[0]
        for x in conn.execute(
            f"SELECT uid FROM cards WHERE status = 'active' AND id IN ({card_ids})"
        )
    ][:n]
    conn.close()
    names, phones, companies, numbers = [], [], [], []
    for row in rows:
        last, first = row["last_name"], row["first_name"]
        style = rng.random()
        if style < 0.4:
            names.append(last[: rng.randint(2, 5)])
        elif style < 0.7:
            names.append(f"{first} {last[: rng.randint(1, 3)]}")
        else:
            names.append(first[: rng.randint(3, 6)])
        number = row["mobile"] or row["phone"]
        if number:
            digits = number[1:]
            if rng.random() < 0.3 and number.startswith("+49"):
                national = "0" + digits[2:]
                phones.append(f"{national[:4]} {national[4 : 4 + rng.randint(2, 6)]}")
            else:
                length = rng.randint(4, 7)
                start = rng.randint(2, len(digits) - length)
                phones.append(digits[start : start + length])
        if row["company_name"]:
            companies.append(row["company_name"][: rng.randint(3, 12)])
        num = str(row["customer_number"])
        numbers.append(num if rng.random() < 0.6 else num[: rng.randint(3, len(num))])
    return {
        "name-prefix search": names[:n],
        "phone-fragment search": phones[:n],
        "company search": companies[:n],
        "customer-number search": numbers[:n],
        "card lookup": uids,
    }


def measure(db_dir: Path, count: int, n: int) -> dict[str, Any]:
    from edge import create_app
    from edge.platform.config import load_config
    from edge.security.tokens import issue_token

    config = load_config(
        overrides={"box.data_dir": str(db_dir), "devices.nfc.enabled": False}, environ={}
    )
    rng = random.Random(11)
    inputs = samples(config.db_path, n, rng)
    # Other work on the machine shows up in every p99: record the load average.
    load_before = round(os.getloadavg()[0], 2)
    app = create_app(config)
    box = app.extensions["tilledge"]
    token = box.db.write(lambda c: issue_token(c, "bench", ["pos"]))["token"]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    results: dict[str, Any] = {}

    def timed(method: str, path: str, **kw: Any) -> tuple[float, Any]:
        t = time.perf_counter()
        resp = client.open(path, method=method, headers={**headers, **kw.pop("h", {})}, **kw)
        return (time.perf_counter() - t) * 1000, resp

    # Warm-up: first requests pay imports, pydantic schema build, page cache.
    for kind, values in inputs.items():
        for v in values[:20]:
            if kind == "card lookup":
                timed("GET", f"/api/v1/cards/{v}")
            else:
                timed("GET", "/api/v1/customers", query_string={"q": v})
    hits: dict[str, int] = {}
    for kind, values in inputs.items():
        times = []
        found = 0
        for v in values:
            if kind == "card lookup":
                ms, resp = timed("GET", f"/api/v1/cards/{v}")
                assert resp.status_code == 200, (v, resp.get_json())
                found += 1
            else:
                ms, resp = timed("GET", "/api/v1/customers", query_string={"q": v})
                assert resp.status_code == 200, (v, resp.get_json())
                found += bool(resp.get_json()["items"])
            times.append(ms)
        results[kind] = {"n": len(times), "p50": pct(times, 50), "p99": pct(times, 99)}
        hits[kind] = found
    times = []
    fresh = random.Random(time.time_ns())  # a rerun on a kept database must not collide
    for i in range(n):
        body = {
            "first_name": fresh.choice(("Jana", "Emre", "Lukas", "Zoë", "Marta")),
            "last_name": f"Benchmann{i}",
            "email": f"bench{i}-{uuid.uuid4().hex[:6]}@example.org",
            "mobile": f"+49157{fresh.randint(10000000, 99999999)}",  # not in the data
            "city": "München",
        }
        ms, resp = timed(
            "POST", "/api/v1/customers", json=body, h={"Idempotency-Key": str(uuid.uuid4())}
        )
        assert resp.status_code == 201, resp.get_json()
        times.append(ms)
    results["create"] = {"n": len(times), "p50": pct(times, 50), "p99": pct(times, 99)}
    # The floor every durable write pays on this disk: one tiny row, same writer,
    # same synchronous=FULL commit. Create's tail follows this one.
    times = []
    for i in range(n):
        t = time.perf_counter()
        box.db.write(
            lambda c, i=i: c.execute(
                "INSERT OR REPLACE INTO box_meta (key, value) VALUES ('bench.commit', ?)",
                [str(i)],
            )
        )
        times.append((time.perf_counter() - t) * 1000)
    results["durable commit (floor)"] = {"n": n, "p50": pct(times, 50), "p99": pct(times, 99)}
    rss, hwm = rss_mb()
    box.close()
    return {
        "latency_ms": results,
        "rss_mb": round(rss, 1),
        "peak_rss_mb": round(hwm, 1),
        "load_before": load_before,
        "load_after": round(os.getloadavg()[0], 2),
    }


def target_for(kind: str) -> float:
    return TARGETS_MS["search"] if kind.endswith("search") else TARGETS_MS[kind]


def report(meta: dict[str, Any], res: dict[str, Any]) -> str:
    lines = [
        f"{meta['customers']:,} customers generated in {meta['seconds']} s "
        f"(database {meta['db_mb']} MB{'; measured again later' if meta.get('reused') else ''});"
        f" {meta['samples']} requests per kind through the "
        "Flask app (test client), SQLite "
        f"{sqlite3.sqlite_version}, Python {sys.version.split()[0]}, {os.cpu_count()} cores,"
        f" 1-min load average {res['load_before']} before / {res['load_after']} after"
        f" (other jobs on the machine), niceness {os.nice(0)}.",
        "",
        "| operation | p50 ms | p99 ms | target p99 | ok |",
        "|---|---:|---:|---:|:-:|",
    ]
    for kind, r in res["latency_ms"].items():
        if kind not in TARGETS_MS and not kind.endswith("search"):
            lines.append(f"| {kind} | {r['p50']:.2f} | {r['p99']:.2f} | – | – |")
            continue
        t = target_for(kind)
        ok = "yes" if r["p99"] <= t else "**no**"
        lines.append(f"| {kind} | {r['p50']:.2f} | {r['p99']:.2f} | {t:g} ms | {ok} |")
    ok = "yes" if res["rss_mb"] <= RSS_TARGET_MB else "**no**"
    lines.append(
        f"| resident memory (RSS) | {res['rss_mb']} MB | peak {res['peak_rss_mb']} MB "
        f"| {RSS_TARGET_MB} MB | {ok} |"
    )
    return "\n".join(lines)


def write_readme(table: str) -> None:
    body = (
        f"{SECTION}\n\n"
        "`.venv/bin/python benchmarks/bench_customers.py --customers 1000000 --write-readme`\n"
        "generates the customers into a temp database (child process, bulk insert through the\n"
        "schema and `edge.customers.records`), then measures in one run through the Flask app\n"
        "(test client: auth, validation, service code, SQLite, JSON). Search inputs are taken\n"
        "from the data: name prefixes (`Mül`, `Thomas M`), phone fragments (4-7 digits, or the\n"
        "national form `0170 12…`), company prefixes, full or partial customer numbers. Create\n"
        "is a durable commit (`synchronous=FULL`) with an Idempotency-Key. On the shared\n"
        "2-core development machine the table comes from `nice -n -10 … --keep DIR`\n"
        "(generated once, measured again when other jobs were quieter); p99 rises with load.\n\n"
        f"{table}\n\n"
        "Notes. *Durable commit (floor)* is a one-row write through the same writer: what\n"
        "any durable write costs on this disk. A create dirties ~25 pages across the\n"
        "customer indexes; SQLite's WAL auto-checkpoint would run inline in whichever\n"
        "commit crosses 1000 WAL pages (~10 ms, once in ~40 creates: p99 13.9 ms in an\n"
        "earlier run), so the writer switches it off and `Box` checkpoints PASSIVE from a\n"
        "background thread every second. The RSS peak is reached at start-up,\n"
        "before any request (importing the panel's `web.auth`); RSS is measured after all\n"
        "requests.\n"
    )
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: body + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + body
    README.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--samples", type=int, default=500, help="requests per kind")
    ap.add_argument("--keep", type=Path, help="use/keep this directory (reuses its database)")
    ap.add_argument("--write-readme", action="store_true")
    ap.add_argument("--generate", type=Path, help=argparse.SUPPRESS)  # child mode
    args = ap.parse_args()
    if args.generate:
        print(json.dumps(generate(args.generate, args.customers)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-customers-") as tmp:
        data_dir = args.keep or Path(tmp)
        db_path = data_dir / "tilledge.db"
        data_dir.mkdir(parents=True, exist_ok=True)
        meta_path = data_dir / "generated.json"
        if db_path.exists():
            # --keep: measure again on the database an earlier run generated.
            meta = {"customers": args.customers, "seconds": "?"}
            if meta_path.exists():
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            meta["reused"] = True
        else:
            out = subprocess.run(
                [sys.executable, __file__, "--generate", str(db_path), "--customers",
                 str(args.customers)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            meta = json.loads(out.stdout.strip().splitlines()[-1])
            meta_path.write_text(json.dumps(meta), encoding="utf-8")
        meta["db_mb"] = round(db_path.stat().st_size / 2**20)
        meta["samples"] = args.samples
        print(f"generated: {meta}", file=sys.stderr)
        res = measure(data_dir, args.customers, args.samples)
        table = report(meta, res)
        print(table)
        print(json.dumps(res, indent=2), file=sys.stderr)
        if args.write_readme:
            write_readme(table)


if __name__ == "__main__":
    main()
