"""Ledger core benchmark: the Rust core (through ``edge.ledger``) next to the
pure-Python reference model (``tests/ledger/reference_model.py``), measured in
one run, with their ratio.

    .venv/bin/maturin develop --release
    .venv/bin/python benchmarks/bench_ledger_core.py            # ~1-2 minutes
    .venv/bin/python benchmarks/bench_ledger_core.py --entries 200000   # quicker

(a) one settlement call from Python; (b) pricing a 20-line basket from the
request's Python objects (dicts as decoded from JSON, or tuples), conversion
included; (c) verifying a journal straight from a SQLite file, reading
included (the file is generated with the product's own hashing); (d) one
million settlements in one batch call. Timings are best-of-N wall clock.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edge import _ledger_core as core  # noqa: E402
from edge import ledger as L  # noqa: E402
from tests.edge.ledger import journal_gen  # noqa: E402
from tests.edge.ledger import reference_model as M  # noqa: E402


def per_call(stmt: Callable[[], Any], number: int, repeat: int = 5) -> float:
    """Best seconds per call."""
    return min(timeit.repeat(stmt, number=number, repeat=repeat)) / number


def best(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


ROWS: list[dict[str, Any]] = []


def row(case: str, rust: float, model: float, unit: str = "", note: str = "") -> None:
    ROWS.append(
        {
            "case": case,
            "rust": rust,
            "model": model,
            "ratio": model / rust if rust else float("inf"),
            "unit": unit,
            "note": note,
        }
    )
    r = fmt_time(rust) if not unit else f"{rust:,.0f} {unit}"
    m = fmt_time(model) if not unit else f"{model:,.0f} {unit}"
    ratio = model / rust if not unit else rust / model
    print(f"  {case:<52} rust {r:>16}   model {m:>16}   ×{ratio:,.1f} {note}", flush=True)


def bench_settle() -> None:
    print("(a) one settlement call from Python")
    row(
        "settle() via edge.ledger",
        per_call(lambda: L.settle(1000, 300, 500), 200_000),
        per_call(lambda: M.settle(1000, 300, 500), 100_000),
    )
    row(
        "settle() native, no façade",
        per_call(lambda: core.settle(1000, 300, 500), 200_000),
        per_call(lambda: M.settle(1000, 300, 500), 100_000),
    )
    row(
        "settle() + reading the two entries",
        per_call(lambda: L.settle(1000, 300, 500).entries, 100_000),
        per_call(lambda: M.settle(1000, 300, 500)["entries"], 100_000),
    )


def basket(n: int = 20) -> list[dict[str, Any]]:
    rates = (1900, 700, 0)
    return [
        {
            "unit_price": 199 + 37 * i,
            "quantity": ("1", "2", "0.5", "1.255", "3")[i % 5],
            "vat_rate_bp": rates[i % 3],
            "discountable": i % 4 != 0,
        }
        for i in range(n)
    ]


def bench_pricing() -> None:
    print("(b) pricing a 20-line basket, conversion included")
    dicts = basket()
    tuples = [(d["unit_price"], d["quantity"], d["vat_rate_bp"], d["discountable"]) for d in dicts]

    def model_from_dicts() -> Any:
        lines = [
            (d["unit_price"], d["quantity"], d["vat_rate_bp"], d.get("discountable", True))
            for d in dicts
        ]
        return M.price_basket(lines, 10, points_to_redeem=50, points_balance=100)

    model = per_call(model_from_dicts, 5_000)
    row(
        "price_basket(list of dicts)",
        per_call(
            lambda: L.price_basket(dicts, 10, points_to_redeem=50, points_balance=100), 50_000
        ),
        model,
    )
    row(
        "price_basket(list of tuples)",
        per_call(
            lambda: L.price_basket(tuples, 10, points_to_redeem=50, points_balance=100), 50_000
        ),
        per_call(
            lambda: M.price_basket(tuples, 10, points_to_redeem=50, points_balance=100), 5_000
        ),
    )

    def full() -> Any:
        b = L.price_basket(dicts, 10, points_to_redeem=50, points_balance=100)
        return (b.total, b.lines, b.vat)

    row("dicts + reading total, 20 lines and VAT rows", per_call(full, 20_000), model)


def bench_verify(entries: int, db: Path | None) -> None:
    print(f"(c) verifying a {entries:,}-entry journal from a SQLite file")
    with tempfile.TemporaryDirectory() as tmp:
        path = db or Path(tmp) / "journal.sqlite"
        if not path.exists():
            t = time.perf_counter()
            journal_gen.make_db(path, entries, customers := max(entries // 100, 10))
            print(
                f"  generated {entries:,} entries for {customers:,} customers "
                f"({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s"
            )
        t_ref, ref = best(lambda: M.verify_db(str(path)), repeat=2)
        assert ref["ok"] and ref["entries_checked"] == entries, ref
        cpus = os.cpu_count() or 1
        for method in ("pages", "sql"):
            for threads in (1, cpus) if cpus > 1 else (1,):
                t_rust, rep = best(
                    lambda th=threads, m=method: L.verify_journal(path, threads=th, method=m)
                )
                assert rep.ok and rep.entries_checked == entries, rep
                assert rep.head_hash == ref["head_hash"] and rep.reader == method
                label = f"{method}, {threads} thread{'s' if threads > 1 else ''}"
                row(
                    f"verify_journal, {label}",
                    entries / t_rust,
                    entries / t_ref,
                    "entries/s",
                    f"({fmt_time(t_rust)} vs {fmt_time(t_ref)})",
                )


def bench_batch(n: int) -> None:
    print(f"(d) {n:,} settlements in one batch call")
    cash = [(i * 7919) % 20_000 for i in range(n)]
    bonus = [(i * 104_729) % 3_000 for i in range(n)]
    amounts = [1 + (i * 15_485_863) % 15_000 for i in range(n)]

    def model() -> int:
        settled = 0
        for c, b, a in zip(cash, bonus, amounts, strict=True):
            try:
                M.settle(c, b, a)
                settled += 1
            except M.ModelError:
                pass
        return settled

    t_model, settled = best(model, repeat=1)
    t_rust, res = best(lambda: L.settle_batch(cash, bonus, amounts))
    assert res.settled == settled
    row(f"settle_batch ({n:,} rows, lists in, totals out)", t_rust, t_model)

    def with_lists() -> Any:
        r = L.settle_batch(cash, bonus, amounts)
        return r.from_bonus, r.from_cash, r.remaining, r.status

    row("settle_batch + per-row results as lists", best(with_lists)[0], t_model)

    def loop() -> None:
        s = L.settle
        for c, b, a in zip(cash, bonus, amounts, strict=True):
            with contextlib.suppress(L.InsufficientFunds):
                s(c, b, a)

    row(f"{n:,} single settle() calls (for scale)", best(loop, repeat=1)[0], t_model)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--entries", type=int, default=1_000_000, help="journal size for (c)")
    p.add_argument("--batch", type=int, default=1_000_000, help="settlements for (d)")
    p.add_argument("--db", type=Path, help="reuse/keep this journal file for (c)")
    p.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = p.parse_args()
    print(f"ledger core {core.VERSION}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    bench_settle()
    bench_pricing()
    bench_verify(args.entries, args.db)
    bench_batch(args.batch)
    if args.json:
        args.json.write_text(json.dumps(ROWS, indent=2))


if __name__ == "__main__":
    main()
