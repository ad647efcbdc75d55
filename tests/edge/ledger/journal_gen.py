"""Builds realistic journal databases for tests and benchmarks, hashed with the
product's own ``edge.ledger.chain_hashes``. Not part of the product."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

from edge import ledger
from edge.ledger.journal import JOURNAL_COLUMNS, journal_columns_sql

# The tables of m002_ledger (edge/platform/migrations/s1_foundation.py): the same journal columns.
SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS balances (
    customer_id INTEGER PRIMARY KEY,
    cash        INTEGER NOT NULL DEFAULT 0 CHECK (cash >= 0),
    bonus       INTEGER NOT NULL DEFAULT 0 CHECK (bonus >= 0),
    points      INTEGER NOT NULL DEFAULT 0 CHECK (points >= 0)
);
CREATE TABLE IF NOT EXISTS journal (
    """
    + journal_columns_sql(operation_fk=False, indent="    ")
    + """
);
"""
)

INSERT = f"INSERT INTO journal VALUES ({','.join('?' * (len(JOURNAL_COLUMNS) + 1))})"


def make_rows(
    n_entries: int, n_customers: int = 1000, seed: int = 1
) -> tuple[list[tuple[Any, ...]], dict[int, tuple[int, int, int]]]:
    """Journal rows (``JOURNAL_COLUMNS`` order, without hash) from a random mix
    of top-ups with bonus, bonus-first payments, refunds and points, plus the
    balances they leave."""
    rnd = random.Random(seed)
    bal = {c: [0, 0, 0] for c in range(1, n_customers + 1)}
    rows: list[tuple[Any, ...]] = []
    seq = 0
    op = 0

    def add(cid: int, code: int, account: str, amount: int, **kw: Any) -> None:
        nonlocal seq
        b = bal[cid]
        b[{"cash": 0, "bonus": 1, "points": 2}[account]] += amount
        seq += 1
        credit = account != "points"
        rows.append(
            (
                seq,
                cid,
                op,
                code,
                account,
                amount,
                b[0] if credit else None,
                b[1] if credit else None,
                None if credit else b[2],
                kw.get("receipt_no"),
                kw.get("actor", "pos-1"),
                kw.get("reason"),
                kw.get("reverses"),
                f"2026-11-24T{seq // 3600 % 24:02d}:{seq // 60 % 60:02d}:{seq % 60:02d}."
                f"{seq % 1000000:06d}Z",
            )
        )

    while seq < n_entries:
        op += 1
        cid = rnd.randint(1, n_customers)
        b = bal[cid]
        kind = rnd.random()
        if kind < 0.3 or b[0] + b[1] == 0:
            amount = rnd.choice((1000, 2000, 5000, 10000))
            add(cid, 0, "cash", amount)
            bonus = ledger.apply_bp(amount, 1000 if amount >= 5000 else 0)
            if bonus:
                add(cid, 3, "bonus", bonus)
        elif kind < 0.85:
            amount = rnd.randint(1, b[0] + b[1])
            s = ledger.settle(b[0], b[1], amount)
            receipt = f"R{op:08d}"
            if s.from_bonus:
                add(cid, 4, "bonus", -s.from_bonus, receipt_no=receipt)
            if s.from_cash:
                add(cid, 1, "cash", -s.from_cash, receipt_no=receipt)
            points = ledger.points_earned(amount, 1)
            if points:
                add(cid, 0, "points", points, receipt_no=receipt)
        elif kind < 0.95 and b[2] > 0:
            add(cid, 1, "points", -rnd.randint(1, b[2]))
        elif b[0] > 0:
            add(cid, 2, "cash", -rnd.randint(1, b[0]), actor="manager", reason="count diff")
        else:
            add(cid, 2, "bonus", 100, actor="manager", reason="goodwill")
    del rows[n_entries:]
    # balances after exactly n_entries rows
    final: dict[int, list[int]] = {}
    for r in rows:
        final.setdefault(r[1], [0, 0, 0])[{"cash": 0, "bonus": 1, "points": 2}[r[4]]] += r[5]
    return rows, {c: (v[0], v[1], v[2]) for c, v in final.items()}


def hashed(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    hashes = ledger.chain_hashes(ledger.GENESIS_HASH, rows)
    return [(*r, h) for r, h in zip(rows, hashes, strict=True)]


def write_db(
    path: str | Path,
    rows: list[tuple[Any, ...]],
    balances: dict[int, tuple[int, int, int]],
) -> None:
    """Writes hashed rows and balances into a (new) SQLite file in WAL mode."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.executescript(SCHEMA)
        with conn:
            conn.executemany(INSERT, rows)
            conn.executemany(
                "INSERT INTO balances VALUES (?,?,?,?)",
                [(c, *b) for c, b in balances.items()],
            )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def make_db(
    path: str | Path, n_entries: int, n_customers: int = 1000, seed: int = 1
) -> dict[int, tuple[int, int, int]]:
    rows, balances = make_rows(n_entries, n_customers, seed)
    write_db(path, hashed(rows), balances)
    return balances
