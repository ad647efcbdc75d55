"""Appending journal entries and keeping the balance cache equal to them.

Runs only inside a write transaction on the single writer thread, so the
chain head read here cannot move under us. Imports ``edge.ledger``,
``edge.platform`` and :mod:`edge.money.entry_kinds`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from edge import ledger
from edge.money.entry_kinds import kind
from edge.platform.actor import Actor

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


_INSERT_ENTRY = (
    f"INSERT INTO journal ({', '.join(ledger.JOURNAL_COLUMNS)}, hash)"
    f" VALUES ({', '.join('?' * (len(ledger.JOURNAL_COLUMNS) + 1))})"
)


def type_name(account: str, code: int) -> str:
    return (POINTS_TYPES if account == "points" else CREDIT_TYPES).get(code, str(code))


# Ids and the reversed seq are strings on the wire; these columns go as stored.
_RENDERED = {"seq", "customer_id", "operation_id", "type", "reverses", "created_at"}
_SHOWN = tuple(c for c in ledger.JOURNAL_COLUMNS if c not in _RENDERED)


def entry_out(row: Mapping[str, Any] | sqlite3.Row) -> dict[str, Any]:
    """A journal entry as the API shows it (a database row or a new entry)."""
    reverses = row["reverses"]
    return {
        "id": str(row["seq"]),
        "operation_id": str(row["operation_id"]),
        "type": row["type"],
        "type_name": type_name(row["account"], row["type"]),  # kept for older clients
        "kind": kind(row["account"], row["type"], row["amount"]),
        **{c: row[c] for c in _SHOWN},
        "reverses": str(reverses) if reverses is not None else None,
        "created_at": row["created_at"],
    }


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


@dataclass(frozen=True)
class Operation:
    """An operation row just written; :meth:`post` appends its entries."""

    conn: sqlite3.Connection
    id: int
    actor: Actor
    receipt_no: str | None = None

    def post(
        self,
        customer_id: int,
        postings: Iterable[Any],
        balances: Balances,
        *,
        reason: str | None = None,
        reverses: dict[str, int] | None = None,
    ) -> list[dict[str, Any]]:
        """Write ``postings`` (from the core) as chained entries of this
        operation; update the cache. ``balances`` are the balances the postings
        were computed from; they are advanced in place. ``reverses`` maps an
        account to the entry seq a posting on that account reverses."""
        conn = self.conn
        head = conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (int(head[0]), bytes(head[1])) if head else (0, GENESIS)
        entries: list[dict[str, Any]] = []
        for p in postings:
            seq += 1
            setattr(balances, p.account, getattr(balances, p.account) + p.amount)
            row = ledger.entry_row(
                p,
                seq=seq,
                customer_id=customer_id,
                operation_id=self.id,
                actor=self.actor.name,
                created_at=self.actor.at,
                receipt_no=self.receipt_no,
                reason=reason,
                reverses=(reverses or {}).get(p.account),
            )
            prev = ledger.entry_hash(prev, *row)
            conn.execute(_INSERT_ENTRY, [*row, prev])
            entries.append(entry_out(dict(zip(ledger.JOURNAL_COLUMNS, row, strict=True))))
        if entries:
            conn.execute(
                "INSERT INTO balances (customer_id, cash, bonus, points) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (customer_id) DO UPDATE SET cash = excluded.cash,"
                " bonus = excluded.bonus, points = excluded.points",
                [customer_id, balances.cash, balances.bonus, balances.points],
            )
        return entries


def new_operation(
    conn: sqlite3.Connection,
    kind: str,
    customer_id: int,
    amount: int,
    actor: Actor,
    details: dict[str, Any],
    *,
    receipt_no: str | None = None,
    ref_id: int | None = None,
) -> Operation:
    """Write the operation row; its entries follow through ``Operation.post``."""
    cur = conn.execute(
        "INSERT INTO operations (kind, customer_id, amount, receipt_no, actor, ref_id, details,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [kind, customer_id, amount, receipt_no, actor.name, ref_id, json.dumps(details), actor.at],
    )
    return Operation(conn, int(cur.lastrowid or 0), actor, receipt_no)
