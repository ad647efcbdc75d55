"""A billing run over many subscriptions (BACKOFFICE §10).

    .venv/bin/python benchmarks/bench_subscriptions.py [--subscriptions 10000] [--due 300]

``--subscriptions`` monthly subscriptions over as many customers, written
straight into the real schema; all but ``--due`` of them have this month's
period billed already (their rows in ``subscription_periods``), so the run
scans every subscription and bills ``--due`` periods — each its own durable
transaction with its invoice (number, frozen document, the CII XML rendered
and validated). Then a second run that finds nothing. Reports the dry run
(the scan), the real run with the p50/p99 per billed period, and the second
run; a run billing all 10,000 is about ``--subscriptions`` x that p50.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from edge.invoices.book import box_date
    from edge.platform import migrations
    from edge.platform.actor import Actor
    from edge.platform.clock import now_iso
    from edge.platform.config import load_config
    from edge.platform.db import Database
    from edge.subscriptions import billing

    ap = argparse.ArgumentParser()
    ap.add_argument("--subscriptions", type=int, default=10_000)
    ap.add_argument("--due", type=int, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(
            overrides={"box.data_dir": tmp, "box.vat_id": "DE136695976",
                       "box.address": ["Hauptstr. 1", "01067 Dresden"]},
            environ={},
        )  # fmt: skip
        migrations.apply(config.db_path)
        db = Database(config.db_path)
        at = now_iso()
        start = box_date(config, at).replace(day=1)
        n = args.subscriptions

        def seed(conn):  # type: ignore[no-untyped-def]
            conn.executemany(
                "INSERT INTO customers (id, customer_number, type, display_name, last_name,"
                " created_at, created_by, updated_at, updated_by)"
                " VALUES (?, ?, 'individual', ?, ?, ?, 'b', ?, 'b')",
                [(1 + i, 10000 + i, f"K {i}", f"K {i}", at, at) for i in range(n)],
            )
            conn.executemany(
                "INSERT INTO subscriptions (id, customer_id, description, amount, vat_rate_bp,"
                " interval, start_date, created_at, created_by, updated_at, updated_by)"
                " VALUES (?, ?, 'Miete Kaffeemaschine', 2380, 1900, 'monthly', ?, ?, 'b', ?, 'b')",
                [(1 + i, 1 + i, start.isoformat(), at, at) for i in range(n)],
            )
            # A placeholder invoice stands for the periods billed before.
            conn.execute(
                "INSERT INTO invoices (customer_id, created_at, created_by, updated_at,"
                " updated_by) VALUES (1, ?, 'b', ?, 'b')",
                [at, at],
            )
            conn.executemany(
                "INSERT INTO subscription_periods (subscription_id, period_start, period_end,"
                " invoice_id, created_at) VALUES (?, ?, ?, 1, ?)",
                [(1 + i, start.isoformat(), start.isoformat(), at) for i in range(args.due, n)],
            )

        db.write(seed)
        actor = Actor("bench", at)
        t0 = time.perf_counter()
        dry = billing.bill(db, config, actor, dry_run=True)
        dry_s = time.perf_counter() - t0
        marks = [time.perf_counter()]
        t0 = time.perf_counter()
        real = billing.bill(
            db, config, actor, progress=lambda d, t: marks.append(time.perf_counter())
        )
        real_s = time.perf_counter() - t0
        per = sorted((b - a) * 1000 for a, b in itertools.pairwise(marks))
        t0 = time.perf_counter()
        again = billing.bill(db, config, actor)
        again_s = time.perf_counter() - t0
        assert dry["count"] == real["count"] == args.due and again["count"] == 0
        print(f"{n} subscriptions, {args.due} due")
        print(f"dry run (scan): {dry_s:.2f} s")
        print(f"billing run: {real_s:.2f} s; per period p50 {statistics.median(per):.1f} ms,"
              f" p99 {per[max(0, int(len(per) * 0.99) - 1)]:.1f} ms")  # fmt: skip
        print(f"second run (nothing due): {again_s:.2f} s")


if __name__ == "__main__":
    main()
