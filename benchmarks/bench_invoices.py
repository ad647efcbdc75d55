"""House account at scale: issuing an invoice, and a dunning run over many
open invoices.

    .venv/bin/python benchmarks/bench_invoices.py [--invoices 100000] [--issues 300]

1. Issue: ``--issues`` drafts are issued one by one through the box's single
   writer (durable commit, ``synchronous=FULL``): number, dates, frozen
   document, render seam. p50/p99 per issue. Without the e-invoice renderer
   (``edge.invoices.einvoice``) installed this measures the book alone; with
   it, PDF + XML + validation are inside the same number.
2. Dunning: ``--invoices`` open invoices over 10,000 customers, written
   straight into the real schema, due dates spread over the last 60 days; then
   a dry run, a real run (one transaction) and a second run the same day
   (which does nothing). Seconds each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from edge.invoices import book
    from edge.invoices.dunning import dunning_run
    from edge.invoices.render import _renderer
    from edge.money.basket import LineIn
    from edge.platform import migrations
    from edge.platform.actor import Actor
    from edge.platform.clock import now_iso
    from edge.platform.config import load_config
    from edge.platform.db import Database

    ap = argparse.ArgumentParser()
    ap.add_argument("--invoices", type=int, default=100_000)
    ap.add_argument("--issues", type=int, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(overrides={"box.data_dir": tmp}, environ={})
        migrations.apply(config.db_path)
        db = Database(config.db_path)
        at = now_iso()

        def customers(conn):  # type: ignore[no-untyped-def]
            conn.executemany(
                "INSERT INTO customers (customer_number, type, display_name, last_name,"
                " allow_invoice_payment, created_at, created_by, updated_at, updated_by)"
                " VALUES (?, 'individual', ?, ?, 1, ?, 'b', ?, 'b')",
                [(10000 + i, f"K {i}", f"K {i}", at, at) for i in range(10_000)],
            )

        db.write(customers)
        lines = [LineIn(name=f"Artikel {i}", quantity="2", unit_price=1190 + i, vat_rate_bp=1900)
                 for i in range(5)]  # fmt: skip
        actor = Actor("bench", at)
        drafts = [
            db.write(lambda c, i=i: book.create_draft(c, config, actor, 1 + i % 10_000, lines))
            for i in range(args.issues)
        ]
        took = []
        for iid in drafts:
            t0 = time.perf_counter()
            db.write(lambda c, iid=iid: book.issue(c, config, Actor("bench", now_iso()), iid))
            took.append((time.perf_counter() - t0) * 1000)
        took.sort()
        renderer = "with renderer" if _renderer() else "no renderer installed"
        print(f"issue ({renderer}): p50 {statistics.median(took):.2f} ms,"
              f" p99 {took[int(len(took) * 0.99) - 1]:.2f} ms over {len(took)}")  # fmt: skip

        today = date.today()

        def invoices(conn):  # type: ignore[no-untyped-def]
            conn.executemany(
                "INSERT INTO invoices (number, customer_id, state, issue_date, due_date, gross,"
                " principal, created_at, created_by, updated_at, updated_by)"
                " VALUES (?, ?, 'open', ?, ?, 11900, 11900, ?, 'b', ?, 'b')",
                [(f"B-{i:07d}", 1 + i % 10_000, (today - timedelta(days=74)).isoformat(),
                  (today - timedelta(days=i % 60)).isoformat(), at, at)
                 for i in range(args.invoices)],
            )  # fmt: skip

        db.write(invoices)
        for label, dry in (("dry run", True), ("run", False), ("second run, same day", False)):
            t0 = time.perf_counter()
            result = db.write(lambda c, dry=dry: dunning_run(c, config, actor, today, dry_run=dry))
            print(f"dunning {label} over {args.invoices} open: {time.perf_counter() - t0:.2f} s,"
                  f" {result['count']} reminders")  # fmt: skip
        db.close()


if __name__ == "__main__":
    main()
