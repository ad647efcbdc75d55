"""Money operations. Each function runs inside one write transaction
(``conn`` belongs to the writer) and returns ``(json_body, http_status)``;
refusals raise :class:`ApiError` and leave nothing behind (the caller rolls
back to its savepoint)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from edge import ledger
from edge.api.problems import ApiError
from edge.customers.service import MoneyCustomer, load_for_money
from edge.money import journal
from edge.money.journal import Balances
from edge.platform.config import Config


@dataclass(frozen=True)
class Actor:
    name: str
    at: str  # RFC 3339 UTC, the operation's timestamp


def ledger_problem(err: ledger.LedgerError) -> ApiError:
    """Map a core exception to its API problem, numbers included."""
    name = type(err).__name__
    status, code = {
        "InsufficientFunds": (409, "insufficient_funds"),
        "InsufficientPoints": (409, "insufficient_points"),
        "PointsBlocked": (409, "points_blocked"),
        "LimitExceeded": (422, "limit_exceeded"),
        "RefundExceedsPayment": (409, "refund_exceeds_payment"),
        "AlreadyVoided": (409, "conflict"),
    }.get(name, (422, "validation_error"))
    extra = {k: v for k, v in vars(err).items() if not k.startswith("_")}
    errors = []
    if code == "validation_error":
        field = str(extra.get("field") or ("lines" if "line" in extra else "amount"))
        if "line" in extra:
            field = f"lines.{extra['line']}.quantity"
        errors.append({"field": field, "message": str(err)})
    return ApiError(status, code, str(err), errors=errors, **extra)


def _customer(conn: sqlite3.Connection, config: Config, customer_id: int) -> MoneyCustomer:
    """Blocked and inactive customers: every money operation is refused."""
    customer = load_for_money(conn, customer_id, config)
    customer.require_transactable()
    return customer


def _touch_visit(conn: sqlite3.Connection, customer_id: int, at: str) -> None:
    conn.execute("UPDATE customers SET last_visit = ? WHERE id = ?", [at, customer_id])


def _money(config: Config, body: dict[str, Any]) -> dict[str, Any]:
    body["currency"] = config.box.currency
    return body


# ------------------------------------------------------------------ top-up --


def topup(
    conn: sqlite3.Connection,
    config: Config,
    actor: Actor,
    customer_id: int,
    amount: int,
    receipt_no: str | None,
) -> tuple[dict[str, Any], int]:
    _customer(conn, config, customer_id)
    bal = journal.load_balances(conn, customer_id)
    lc = config.ledger
    try:
        r = ledger.topup(
            bal.cash,
            bal.bonus,
            amount,
            tiers=[(t.from_, t.rate_bp) for t in lc.topup_bonus],
            max_topup=lc.max_topup,
            max_balance=lc.max_balance or None,
        )
    except ledger.LedgerError as e:
        raise ledger_problem(e) from e
    op, entries = journal.record(
        conn,
        kind="topup",
        customer_id=customer_id,
        amount=amount,
        actor=actor.name,
        created_at=actor.at,
        postings=r.entries,
        balances=bal,
        details={"bonus": r.bonus, "rate_bp": r.rate_bp},
        receipt_no=receipt_no,
    )
    return _money(
        config,
        {
            "operation_id": str(op),
            "customer_id": str(customer_id),
            "amount": amount,
            "bonus_granted": r.bonus,
            "entries": entries,
            "cash": bal.cash,
            "bonus": bal.bonus,
            "points": bal.points,
        },
    ), 201


# ----------------------------------------------------------------- payment --


def _pay(
    conn: sqlite3.Connection,
    actor: Actor,
    customer_id: int,
    bal: Balances,
    amount: int,
    allow_partial: bool,
    receipt_no: str | None,
    checkout_id: int | None = None,
) -> tuple[int, Any, list[dict[str, Any]]]:
    try:
        s = ledger.settle(bal.cash, bal.bonus, amount, allow_partial=allow_partial)
    except ledger.LedgerError as e:
        raise ledger_problem(e) from e
    taken = s.from_bonus + s.from_cash
    op = journal.new_operation(
        conn,
        kind="payment",
        customer_id=customer_id,
        amount=taken,
        actor=actor.name,
        created_at=actor.at,
        receipt_no=receipt_no,
        ref_id=checkout_id,
        details=json.dumps(
            {
                "requested": amount,
                "from_bonus": s.from_bonus,
                "from_cash": s.from_cash,
                "remaining": s.remaining,
            }
        ),
    )
    entries = journal.append(
        conn,
        customer_id=customer_id,
        operation_id=op,
        postings=s.entries,
        balances=bal,
        actor=actor.name,
        created_at=actor.at,
        receipt_no=receipt_no,
    )
    return op, s, entries


def payment(
    conn: sqlite3.Connection,
    config: Config,
    actor: Actor,
    customer_id: int,
    amount: int,
    receipt_no: str | None,
    allow_partial: bool,
) -> tuple[dict[str, Any], int]:
    _customer(conn, config, customer_id)
    bal = journal.load_balances(conn, customer_id)
    op, s, entries = _pay(conn, actor, customer_id, bal, amount, allow_partial, receipt_no)
    _touch_visit(conn, customer_id, actor.at)
    return _money(
        config,
        {
            "payment_id": str(op),
            "customer_id": str(customer_id),
            "amount": amount,
            "from_bonus": s.from_bonus,
            "from_cash": s.from_cash,
            "remaining": s.remaining,
            "cash": bal.cash,
            "bonus": bal.bonus,
            "points": bal.points,
            "entries": entries,
        },
    ), 201


# ------------------------------------------------------------------ refund --


def _operation(conn: sqlite3.Connection, op_id: int, kind: str) -> sqlite3.Row:
    row = conn.execute(
        "SELECT id, kind, customer_id, amount, receipt_no, ref_id, details FROM operations"
        " WHERE id = ?",
        [op_id],
    ).fetchone()
    if row is None or row["kind"] != kind:
        raise ApiError(404, "not_found", f"no {kind} {op_id}")
    return row


def refund(
    conn: sqlite3.Connection,
    config: Config,
    actor: Actor,
    payment_id: int,
    amount: int,
) -> tuple[dict[str, Any], int]:
    pay = _operation(conn, payment_id, "payment")
    customer_id = int(pay["customer_id"])
    _customer(conn, config, customer_id)
    details = json.loads(pay["details"])
    restored_cash = restored_bonus = refunded_before = 0
    for r in conn.execute(
        "SELECT amount, details FROM operations WHERE ref_id = ? AND kind = 'refund'",
        [payment_id],
    ):
        d = json.loads(r["details"])
        restored_cash += d["to_cash"]
        restored_bonus += d["to_bonus"]
        refunded_before += r["amount"]
    bal = journal.load_balances(conn, customer_id)
    try:
        r = ledger.refund(
            bal.cash,
            bal.bonus,
            paid_cash=details["from_cash"],
            paid_bonus=details["from_bonus"],
            amount=amount,
            restored_cash=restored_cash,
            restored_bonus=restored_bonus,
        )
    except ledger.LedgerError as e:
        raise ledger_problem(e) from e
    # Points the sale earned are taken back in proportion (SPEC §3).
    clawback = None
    checkout_id = pay["ref_id"]
    if checkout_id is not None:
        co = json.loads(_operation(conn, int(checkout_id), "checkout")["details"])
        if co.get("points_earned") and co.get("paid_total"):
            try:
                clawback = ledger.points_clawback(
                    bal.points,
                    earned=co["points_earned"],
                    paid_total=co["paid_total"],
                    refunded=amount,
                    already_refunded=refunded_before,
                )
            except ledger.LedgerError as e:
                raise ledger_problem(e) from e
    op = journal.new_operation(
        conn,
        kind="refund",
        customer_id=customer_id,
        amount=amount,
        actor=actor.name,
        created_at=actor.at,
        receipt_no=pay["receipt_no"],
        ref_id=payment_id,
        details=json.dumps(
            {
                "to_cash": r.to_cash,
                "to_bonus": r.to_bonus,
                "points_taken_back": clawback.taken if clawback else 0,
                "points_shortfall": clawback.shortfall if clawback else 0,
            }
        ),
    )
    originals = journal.entries_by_account(conn, payment_id)
    entries = journal.append(
        conn,
        customer_id=customer_id,
        operation_id=op,
        postings=r.entries,
        balances=bal,
        actor=actor.name,
        created_at=actor.at,
        receipt_no=pay["receipt_no"],
        reverses=originals,
    )
    if clawback is not None and clawback.taken:
        entries += journal.append(
            conn,
            customer_id=customer_id,
            operation_id=op,
            postings=clawback.entries,
            balances=bal,
            actor=actor.name,
            created_at=actor.at,
            receipt_no=pay["receipt_no"],
            reason="points taken back for a refund",
        )
    return _money(
        config,
        {
            "refund_id": str(op),
            "payment_id": str(payment_id),
            "amount": amount,
            "to_cash": r.to_cash,
            "to_bonus": r.to_bonus,
            "points_taken_back": clawback.taken if clawback else 0,
            "points_shortfall": clawback.shortfall if clawback else 0,
            "cash": bal.cash,
            "bonus": bal.bonus,
            "points": bal.points,
            "entries": entries,
        },
    ), 201


# ---------------------------------------------------- void, payout, correction --


def void_topup(
    conn: sqlite3.Connection,
    config: Config,
    actor: Actor,
    topup_id: int,
    reason: str | None,
) -> tuple[dict[str, Any], int]:
    top = _operation(conn, topup_id, "topup")
    customer_id = int(top["customer_id"])
    _customer(conn, config, customer_id)
    already = (
        conn.execute(
            "SELECT 1 FROM operations WHERE ref_id = ? AND kind = 'void'", [topup_id]
        ).fetchone()
        is not None
    )
    bal = journal.load_balances(conn, customer_id)
    bonus = int(json.loads(top["details"]).get("bonus", 0))
    try:
        r = ledger.void_topup(
            bal.cash,
            bal.bonus,
            topup_amount=int(top["amount"]),
            topup_bonus=bonus,
            already_voided=already,
        )
    except ledger.LedgerError as e:
        raise ledger_problem(e) from e
    op = journal.new_operation(
        conn,
        kind="void",
        customer_id=customer_id,
        amount=int(top["amount"]),
        actor=actor.name,
        created_at=actor.at,
        receipt_no=top["receipt_no"],
        ref_id=topup_id,
        details=json.dumps({"bonus": bonus, "reason": reason}),
    )
    originals = journal.entries_by_account(conn, topup_id)
    entries = journal.append(
        conn,
        customer_id=customer_id,
        operation_id=op,
        postings=r.entries,
        balances=bal,
        actor=actor.name,
        created_at=actor.at,
        receipt_no=top["receipt_no"],
        reason=reason,
        reverses=originals,
    )
    return _money(
        config,
        {
            "operation_id": str(op),
            "voided": str(topup_id),
            "amount": int(top["amount"]),
            "bonus_voided": bonus,
            "cash": bal.cash,
            "bonus": bal.bonus,
            "points": bal.points,
            "entries": entries,
        },
    ), 201


def payout(
    conn: sqlite3.Connection,
    config: Config,
    actor: Actor,
    customer_id: int,
    amount: int,
    reason: str | None,
) -> tuple[dict[str, Any], int]:
    _customer(conn, config, customer_id)
    bal = journal.load_balances(conn, customer_id)
    try:
        r = ledger.payout(bal.cash, bal.bonus, amount)
    except ledger.LedgerError as e:
        raise ledger_problem(e) from e
    op, entries = journal.record(
        conn,
        kind="payout",
        customer_id=customer_id,
        amount=amount,
        actor=actor.name,
        created_at=actor.at,
        postings=r.entries,
        balances=bal,
        details={"reason": reason},
        reason=reason,
    )
    return _money(
        config,
        {
            "operation_id": str(op),
            "amount": amount,
            **bal.as_dict(),
            "entries": entries,
        },
    ), 201


def correction(
    conn: sqlite3.Connection,
    config: Config,
    actor: Actor,
    customer_id: int,
    account: str,
    amount: int,
    reason: str,
) -> tuple[dict[str, Any], int]:
    _customer(conn, config, customer_id)
    bal = journal.load_balances(conn, customer_id)
    try:
        r = ledger.correction(
            bal.cash, bal.bonus, bal.points, account=account, amount=amount, reason=reason
        )
    except ledger.LedgerError as e:
        raise ledger_problem(e) from e
    op, entries = journal.record(
        conn,
        kind="correction",
        customer_id=customer_id,
        amount=amount,
        actor=actor.name,
        created_at=actor.at,
        postings=r.entries,
        balances=bal,
        details={"account": account, "reason": reason},
        reason=reason,
    )
    return _money(
        config,
        {
            "operation_id": str(op),
            "account": account,
            "amount": amount,
            **bal.as_dict(),
            "entries": entries,
        },
    ), 201
