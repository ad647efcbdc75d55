"""A SEPA collection file of many debits (BACKOFFICE §10): pre-flight, build
and XSD validation, each timed (best of ``--runs``), pure (no database).

    .venv/bin/python benchmarks/bench_sepa_file.py [--debits 10000] [--runs 3]

The debits are half FRST, half RCUR over four collection dates (8 payment
blocks), German names with umlauts and ``&`` to transliterate, 140+
character remittances to cut. Reports seconds and debits/s per step and the
file size; checks the control sum against the sum of the amounts.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _debits(n: int) -> list:  # type: ignore[type-arg]
    from edge.sepa.model import DirectDebit, PostalAddress

    first = date(2027, 1, 18)  # a Monday; +7, +14, +21 are Mondays without holidays
    return [
        DirectDebit(
            invoice_id=i,
            invoice_number=f"RE-2027-{i:05d}",
            invoice_date=date(2027, 1, 4),
            amount=1000 + i % 50_000,
            end_to_end_id=f"RE-2027-{i:05d}",
            remittance=f"Rechnung RE-2027-{i:05d} Wartungsvertrag Jänner & Februar " * 3,
            mandate_reference=f"MANDAT-{i:06d}",
            mandate_signed_on=date(2026, 6, 1),
            sequence="FRST" if i % 2 else "RCUR",
            mandate_last_collected_on=None if i % 2 else date(2026, 12, 1),
            debtor_name=f"Jörg Müller & Söhne {i}",
            debtor_iban="DE89370400440532013000",
            debtor_bic="COBADEFFXXX" if i % 3 else None,
            debtor_address=PostalAddress("Köln", "DE", "Domstraße", str(i % 200), "50667"),
            collection_date=first + timedelta(days=7 * ((i // 2) % 4)),
        )
        for i in range(1, n + 1)
    ]


def _best(runs: int, fn):  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    from edge.sepa import pain008, preflight
    from edge.sepa.model import Creditor, PostalAddress

    ap = argparse.ArgumentParser()
    ap.add_argument("--debits", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    address = PostalAddress("Hamburg", "DE", "Große Straße", "12a", "20095")
    creditor = Creditor(
        "Café Nord GmbH", "DE98ZZZ09999999999", "DE02120300000000202051", "BYLADEM1001", address
    )
    debits = _debits(args.debits)
    made = datetime(2027, 1, 4, 9, 30)

    t_check, failures = _best(args.runs, lambda: preflight.check(creditor, debits, made.date(), 14))
    assert failures == [], failures[:3]
    t_build, f = _best(
        args.runs,
        lambda: pain008.build(creditor, debits, "BENCH-1", made, prenotification_days=14),
    )
    assert f.control_sum == sum(d.amount for d in debits) and f.count == len(debits)
    t_xsd, _ = _best(args.runs, lambda: pain008.validate(f.xml))
    n = len(debits)
    print(f"debits {n}, blocks {len(f.batches)}, file {len(f.xml) / 1e6:.1f} MB")
    for name, secs in (("pre-flight", t_check), ("build (pre-flight + XML + XSD)", t_build),
                       ("XSD validation alone", t_xsd)):  # fmt: skip
        print(f"{name:32} {secs:7.3f} s  {n / secs:9.0f} debits/s")


if __name__ == "__main__":
    main()
