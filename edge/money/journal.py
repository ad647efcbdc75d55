"""Appending journal entries and keeping the balance cache equal to them.

Runs only inside a write transaction on the single writer thread, so the
chain head read here cannot move under us.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from edge import ledger

GENESIS = ledger.GENESIS_HASH

CREDIT_TYPES = {
    0: "topup",
    1: "usage",
    2: "correction",
    3: "bonus_topup",
    4: "bonus_usage",
    5: "payout",
}
POINTS_TYPES = {0: "earned", 1: "redeemed", 2: "correction"}


def type_name(account: str, code: int) -> str:
    return (POINTS_TYPES if account == "points" else CREDIT_TYPES).get(code, str(code))


@dataclass
class Balances:
    cash: int = 0
    bonus: int = 0
    points: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"cash": self.cash, "bonus": self.bonus, "points": self.points}


def load_balances(conn: sqlite3.Connection, customer_id: int) -> Balances:
    row = conn.execute(
        "SELECT cash, bonus, points FROM balances WHERE customer_id = ?", [customer_id]
    ).fetchone()
    return Balances(*row) if row else Balances()


def entries_by_account(conn: sqlite3.Connection, operation_id: int) -> dict[str, int]:
    """The seq of an operation's entry per account: what a refund or void reverses."""
    return {
        row[0]: int(row[1])
        for row in conn.execute(
            "SELECT account, seq FROM journal WHERE operation_id = ?", [operation_id]
        )
    }


def new_operation(
    conn: sqlite3.Connection,
    *,
    kind: str,
    customer_id: int,
    amount: int,
    actor: str,
    created_at: str,
    receipt_no: str | None = None,
    ref_id: int | None = None,
    details: str = "{}",
) -> int:
    cur = conn.execute(
        "INSERT INTO operations (kind, customer_id, amount, receipt_no, actor, ref_id, details,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [kind, customer_id, amount, receipt_no, actor, ref_id, details, created_at],
    )
    return int(cur.lastrowid or 0)


def append(
    conn: sqlite3.Connection,
    *,
    customer_id: int,
    operation_id: int,
    postings: Iterable[Any],
    balances: Balances,
    actor: str,
    created_at: str,
    receipt_no: str | None = None,
    reason: str | None = None,
    reverses: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Write ``postings`` (from the core) as chained entries; update the cache.

    ``balances`` are the balances the postings were computed from; they are
    advanced in place. ``reverses`` maps an account to the entry seq a
    posting on that account reverses (refunds, voids).
    """
    head = conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (int(head[0]), bytes(head[1])) if head else (0, GENESIS)
    entries: list[dict[str, Any]] = []
    for p in postings:
        seq += 1
        account = p.account
        setattr(balances, account, getattr(balances, account) + p.amount)
        rev = (reverses or {}).get(account)
        digest = ledger.entry_hash(
            prev,
            seq=seq,
            customer_id=customer_id,
            operation_id=operation_id,
            type=p.code,
            account=account,
            amount=p.amount,
            cash_after=p.cash_after,
            bonus_after=p.bonus_after,
            points_after=p.points_after,
            receipt_no=receipt_no,
            actor=actor,
            reason=reason,
            reverses=rev,
            created_at=created_at,
        )
        conn.execute(
            "INSERT INTO journal (seq, customer_id, operation_id, type, account, amount,"
            " cash_after, bonus_after, points_after, receipt_no, actor, reason, reverses,"
            " created_at, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                seq,
                customer_id,
                operation_id,
                p.code,
                account,
                p.amount,
                p.cash_after,
                p.bonus_after,
                p.points_after,
                receipt_no,
                actor,
                reason,
                rev,
                created_at,
                digest,
            ],
        )
        prev = digest
        entries.append(
            {
                "id": str(seq),
                "operation_id": str(operation_id),
                "type": p.code,
                "type_name": type_name(account, p.code),
                "account": account,
                "amount": p.amount,
                "cash_after": p.cash_after,
                "bonus_after": p.bonus_after,
                "points_after": p.points_after,
                "receipt_no": receipt_no,
                "actor": actor,
                "reason": reason,
                "reverses": str(rev) if rev is not None else None,
                "created_at": created_at,
            }
        )
    if entries:
        conn.execute(
            "INSERT INTO balances (customer_id, cash, bonus, points) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (customer_id) DO UPDATE SET cash = excluded.cash,"
            " bonus = excluded.bonus, points = excluded.points",
            [customer_id, balances.cash, balances.bonus, balances.points],
        )
    return entries


def record(
    conn: sqlite3.Connection,
    *,
    kind: str,
    customer_id: int,
    amount: int,
    actor: str,
    created_at: str,
    postings: Iterable[Any],
    balances: Balances,
    details: dict[str, Any],
    receipt_no: str | None = None,
    reason: str | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """One operation and its entries: the common case of a single-customer operation."""
    op = new_operation(
        conn,
        kind=kind,
        customer_id=customer_id,
        amount=amount,
        actor=actor,
        created_at=created_at,
        receipt_no=receipt_no,
        details=json.dumps(details),
    )
    entries = append(
        conn,
        customer_id=customer_id,
        operation_id=op,
        postings=postings,
        balances=balances,
        actor=actor,
        created_at=created_at,
        receipt_no=receipt_no,
        reason=reason,
    )
    return op, entries
