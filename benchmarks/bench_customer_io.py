"""Customer export and import at scale (bounded; numbers into benchmarks/README.md).

    .venv/bin/python benchmarks/bench_customer_io.py [--export 100000] [--import-rows 10000]

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--export", type=int, default=100_000)
    ap.add_argument("--import-rows", type=int, default=10_000)
    ap.add_argument("--child", nargs="*")
    a = ap.parse_args()
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
