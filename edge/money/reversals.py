"""Taking money back: refunds of payments (with the points the sale earned)
and voids of top-ups. Each entry names the entry it reverses. Imports
``edge.ledger`` and the money package's own modules.
"""

from __future__ import annotations

import json
import sqlite3

from edge import ledger
from edge.money import journal
from edge.money.booking import Answer, Txn, answer, stored_operation, transactable


def _refunded_before(conn: sqlite3.Connection, payment_id: int) -> tuple[int, int, int]:
    """Cash and bonus earlier refunds of the payment restored, and their total."""
    cash = bonus = total = 0
    for r in conn.execute(
        "SELECT amount, details FROM operations WHERE ref_id = ? AND kind = 'refund'",
        [payment_id],
    ):
        d = json.loads(r["details"])
        cash += d["to_cash"]
        bonus += d["to_bonus"]
        total += r["amount"]
    return cash, bonus, total


def _clawback(
    conn: sqlite3.Connection, pay: sqlite3.Row, points: int, amount: int, refunded_before: int
) -> ledger.Clawback | None:
    """Points the sale earned, taken back in proportion (SPEC §3)."""
    if pay["ref_id"] is None:
        return None
    co = json.loads(stored_operation(conn, int(pay["ref_id"]), "checkout")["details"])
    if not (co.get("points_earned") and co.get("paid_total")):
        return None
    return ledger.points_clawback(
        points,
        earned=co["points_earned"],
        paid_total=co["paid_total"],
        refunded=amount,
        already_refunded=refunded_before,
    )


def refund(txn: Txn, payment_id: int, amount: int) -> Answer:
    conn, config, actor = txn
    pay = stored_operation(conn, payment_id, "payment")
    customer_id = int(pay["customer_id"])
    transactable(conn, config, customer_id)
    paid = json.loads(pay["details"])
    restored_cash, restored_bonus, refunded_before = _refunded_before(conn, payment_id)
    bal = journal.load_balances(conn, customer_id)
    r = ledger.refund(
        bal.cash,
        bal.bonus,
        amount=amount,
        paid_cash=paid["from_cash"],
        restored_cash=restored_cash,
        paid_bonus=paid["from_bonus"],
        restored_bonus=restored_bonus,
    )
    clawback = _clawback(conn, pay, bal.points, amount, refunded_before)
    points = {
        "points_taken_back": clawback.taken if clawback else 0,
        "points_shortfall": clawback.shortfall if clawback else 0,
    }
    op = journal.new_operation(
        conn,
        "refund",
        customer_id,
        amount,
        actor,
        {"to_cash": r.to_cash, "to_bonus": r.to_bonus, **points},
        receipt_no=pay["receipt_no"],
        ref_id=payment_id,
    )
    originals = journal.entries_by_account(conn, payment_id)
    entries = op.post(customer_id, r.entries, bal, reverses=originals)
    if clawback is not None and clawback.taken:
        reason = "points taken back for a refund"
        entries += op.post(customer_id, clawback.entries, bal, reason=reason)
    return answer(
        config,
        {
            "refund_id": str(op.id),
            "payment_id": str(payment_id),
            "amount": amount,
            "to_cash": r.to_cash,
            "to_bonus": r.to_bonus,
            **points,
            **bal.as_dict(),
            "entries": entries,
        },
    )


def void_topup(txn: Txn, topup_id: int, reason: str | None) -> Answer:
    conn, config, actor = txn
    top = stored_operation(conn, topup_id, "topup")
    customer_id = int(top["customer_id"])
    transactable(conn, config, customer_id)
    already = conn.execute(
        "SELECT 1 FROM operations WHERE ref_id = ? AND kind = 'void'", [topup_id]
    ).fetchone()
    bal = journal.load_balances(conn, customer_id)
    amount = int(top["amount"])
    bonus = int(json.loads(top["details"]).get("bonus", 0))
    r = ledger.void_topup(
        bal.cash,
        bal.bonus,
        topup_amount=amount,
        topup_bonus=bonus,
        already_voided=already is not None,
    )
    op = journal.new_operation(
        conn,
        "void",
        customer_id,
        amount,
        actor,
        {"bonus": bonus, "reason": reason},
        receipt_no=top["receipt_no"],
        ref_id=topup_id,
    )
    originals = journal.entries_by_account(conn, topup_id)
    entries = op.post(customer_id, r.entries, bal, reason=reason, reverses=originals)
    return answer(
        config,
        {
            "operation_id": str(op.id),
            "voided": str(topup_id),
            "amount": amount,
            "bonus_voided": bonus,
            **bal.as_dict(),
            "entries": entries,
        },
    )
