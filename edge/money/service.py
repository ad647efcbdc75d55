"""Money operations on a customer's credit: top-up, payment, payout,
correction; refunds and voids are in :mod:`edge.money.reversals`.

Each function runs inside one write transaction (``txn.conn`` belongs to
the writer) and returns ``(json_body, status)``; a refusal raises a
:class:`edge.errors.DomainError` (the core's own refusals included) and
leaves nothing behind (the caller rolls back to its savepoint). Imports
``edge.ledger``, ``edge.errors``, ``edge.platform`` and ``edge.customers``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from edge import ledger
from edge.customers.service import touch_last_visit
from edge.money import journal
from edge.money.booking import Answer, Txn, answer, balances_to_book
from edge.money.journal import Balances
from edge.money.reversals import refund, void_topup
from edge.platform.actor import Actor

__all__ = [
    "Actor",
    "Txn",
    "correction",
    "payment",
    "payout",
    "refund",
    "topup",
    "void_topup",
]


def topup(txn: Txn, customer_id: int, amount: int, receipt_no: str | None) -> Answer:
    conn, config, actor = txn
    bal = balances_to_book(conn, config, customer_id)
    lc = config.ledger
    r = ledger.topup(
        bal.cash,
        bal.bonus,
        amount,
        tiers=[(t.from_, t.rate_bp) for t in lc.topup_bonus],
        max_topup=lc.max_topup,
        max_balance=lc.max_balance or None,
    )
    details = {"bonus": r.bonus, "rate_bp": r.rate_bp}
    op = journal.new_operation(
        conn, "topup", customer_id, amount, actor, details, receipt_no=receipt_no
    )
    entries = op.post(customer_id, r.entries, bal)
    return answer(
        config,
        {
            "operation_id": str(op.id),
            "customer_id": str(customer_id),
            "amount": amount,
            "bonus_granted": r.bonus,
            "entries": entries,
            **bal.as_dict(),
        },
    )


def pay(
    conn: sqlite3.Connection,
    actor: Actor,
    customer_id: int,
    bal: Balances,
    amount: int,
    *,
    allow_partial: bool,
    receipt_no: str | None,
    checkout_id: int | None = None,
) -> tuple[int, ledger.Settlement, list[dict[str, Any]]]:
    """Settle ``amount`` from credit, bonus first: the payment operation, the
    settlement and its entries (also a checkout's credit part)."""
    s = ledger.settle(bal.cash, bal.bonus, amount, allow_partial=allow_partial)
    split = {"from_bonus": s.from_bonus, "from_cash": s.from_cash, "remaining": s.remaining}
    op = journal.new_operation(
        conn,
        "payment",
        customer_id,
        s.from_bonus + s.from_cash,
        actor,
        {"requested": amount, **split},
        receipt_no=receipt_no,
        ref_id=checkout_id,
    )
    return op.id, s, op.post(customer_id, s.entries, bal)


def payment(
    txn: Txn, customer_id: int, amount: int, receipt_no: str | None, allow_partial: bool
) -> Answer:
    conn, config, actor = txn
    bal = balances_to_book(conn, config, customer_id)
    op, s, entries = pay(
        conn, actor, customer_id, bal, amount, allow_partial=allow_partial, receipt_no=receipt_no
    )
    touch_last_visit(conn, customer_id, actor.at)
    return answer(
        config,
        {
            "payment_id": str(op),
            "customer_id": str(customer_id),
            "amount": amount,
            "from_bonus": s.from_bonus,
            "from_cash": s.from_cash,
            "remaining": s.remaining,
            **bal.as_dict(),
            "entries": entries,
        },
    )


def payout(txn: Txn, customer_id: int, amount: int, reason: str | None) -> Answer:
    conn, config, actor = txn
    bal = balances_to_book(conn, config, customer_id)
    r = ledger.payout(bal.cash, bal.bonus, amount)
    op = journal.new_operation(conn, "payout", customer_id, amount, actor, {"reason": reason})
    entries = op.post(customer_id, r.entries, bal, reason=reason)
    return answer(
        config, {"operation_id": str(op.id), "amount": amount, **bal.as_dict(), "entries": entries}
    )


def correction(txn: Txn, customer_id: int, account: str, amount: int, reason: str) -> Answer:
    conn, config, actor = txn
    bal = balances_to_book(conn, config, customer_id)
    r = ledger.correction(
        bal.cash, bal.bonus, bal.points, account=account, amount=amount, reason=reason
    )
    details = {"account": account, "reason": reason}
    op = journal.new_operation(conn, "correction", customer_id, amount, actor, details)
    entries = op.post(customer_id, r.entries, bal, reason=reason)
    return answer(
        config,
        {
            "operation_id": str(op.id),
            "account": account,
            "amount": amount,
            **bal.as_dict(),
            "entries": entries,
        },
    )
