"""Moving a merged customer's money to the target (SPEC §6 "Duplicates").

Balances never change outside the journal, so a merge writes one ``merge``
operation with Correction (2) entries: the source's cash, bonus and points go
out of the source and into the target, each with a reason naming the other
customer. The journal still replays to both customers' cached balances.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from edge import ledger
from edge.money import journal
from edge.money.service import Actor, ledger_problem


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
        return {"operation_id": None, **moved}
    dst = journal.load_balances(conn, target_id)
    op = journal.new_operation(
        conn,
        kind="merge",
        customer_id=target_id,
        amount=src.cash + src.bonus,
        actor=actor.name,
        created_at=actor.at,
        ref_id=None,
        details=json.dumps({"source_id": source_id, "target_id": target_id, **moved}),
    )
    for account in ("cash", "bonus", "points"):
        amount = moved[account]
        if not amount:
            continue
        try:
            out = ledger.correction(
                src.cash,
                src.bonus,
                src.points,
                account=account,
                amount=-amount,
                reason=f"merged into {target_number}",
            )
            into = ledger.correction(
                dst.cash,
                dst.bonus,
                dst.points,
                account=account,
                amount=amount,
                reason=f"merged from {source_number}",
            )
        except ledger.LedgerError as e:
            raise ledger_problem(e) from e
        journal.append(
            conn,
            customer_id=source_id,
            operation_id=op,
            postings=out.entries,
            balances=src,
            actor=actor.name,
            created_at=actor.at,
            reason=f"merged into {target_number}",
        )
        journal.append(
            conn,
            customer_id=target_id,
            operation_id=op,
            postings=into.entries,
            balances=dst,
            actor=actor.name,
            created_at=actor.at,
            reason=f"merged from {source_number}",
        )
    return {"operation_id": str(op), **moved}
