"""Merging a customer into another (SPEC §6 "Duplicates"), money included.

Balances never change outside the journal, so a merge writes one ``merge``
operation with Correction (2) entries: the source's cash, bonus and points go
out of the source and into the target, each with a reason naming the other
customer. The journal still replays to both customers' cached balances. The
records (cards, history, purchases, empty fields) move in
:mod:`edge.customers.merge`, in the same transaction. Imports
``edge.ledger``, ``edge.customers`` and the money package's journal.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from edge import ledger
from edge.customers import merge as records
from edge.money import journal
from edge.platform.actor import Actor


def merge_customers(
    conn: sqlite3.Connection, target_id: int, source_id: int, *, actor: str, now: str
) -> dict[str, Any]:
    """Move the source's money, cards, history and purchases to the target;
    deactivate the source. Returns what moved and which fields were filled."""
    target, source = records.merge_pair(conn, target_id, source_id)
    money = move_balances(
        conn,
        source_id,
        target_id,
        Actor(actor, now),
        source_number=source["customer_number"],
        target_number=target["customer_number"],
    )
    result = records.merge_records(conn, target, source, actor=actor, now=now)
    result["moved"].update(money)
    return result


def move_balances(
    conn: sqlite3.Connection,
    source_id: int,
    target_id: int,
    actor: Actor,
    *,
    source_number: int | str,
    target_number: int | str,
) -> dict[str, Any]:
    """Move every non-zero balance of ``source_id`` to ``target_id``; return what moved."""
    src = journal.load_balances(conn, source_id)
    moved = src.as_dict()
    if not any(moved.values()):
        return {**moved, "operation_id": None}
    dst = journal.load_balances(conn, target_id)
    details = {"source_id": source_id, "target_id": target_id, **moved}
    op = journal.new_operation(conn, "merge", target_id, src.cash + src.bonus, actor, details)
    legs = (
        (source_id, src, -1, f"merged into {target_number}"),
        (target_id, dst, 1, f"merged from {source_number}"),
    )
    for account, amount in moved.items():
        if not amount:
            continue
        # Both legs are computed before either is written: a refusal writes nothing.
        outcomes = [
            ledger.correction(
                b.cash, b.bonus, b.points, account=account, amount=sign * amount, reason=reason
            )
            for _, b, sign, reason in legs
        ]
        for (customer_id, b, _, reason), out in zip(legs, outcomes, strict=True):
            op.post(customer_id, out.entries, b, reason=reason)
    return {**moved, "operation_id": str(op.id)}
