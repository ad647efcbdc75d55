"""Receipts rebuilt after the fact: a checkout that was never queued, and the
slip of a top-up or payout, both from what the journal holds. Used by
``POST /receipts`` for reprints; the outbox itself is :mod:`edge.devices.printing`."""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

from drivers.receipts import Document, payout_slip, topup_slip
from edge.devices.printing import box_info, checkout_document, locale
from edge.platform.config import Config

log = logging.getLogger(__name__)


def rebuild_checkout(conn: sqlite3.Connection, config: Config, checkout_id: str) -> Document | None:
    """A receipt for a checkout that was never queued for printing.

    Rebuilt from what the sale stored: the purchase lines, the operation's
    details (tenders, points), its journal entries (credit split, balances
    after) and the VAT table priced again by the Rust core from the line
    totals (the same rounding as at sale time).
    """
    from edge import ledger

    try:
        op_id = int(checkout_id)
    except ValueError:
        return None
    op = conn.execute(
        "SELECT o.*, c.display_name, c.customer_number FROM operations o"
        " JOIN customers c ON c.id = o.customer_id WHERE o.id = ? AND o.kind = 'checkout'",
        [op_id],
    ).fetchone()
    purchase = conn.execute("SELECT * FROM purchases WHERE operation_id = ?", [op_id]).fetchone()
    if op is None or purchase is None:
        return None
    details = json.loads(op["details"] or "{}")
    lines = json.loads(purchase["lines"] or "[]")
    entries = conn.execute(
        "SELECT account, amount, cash_after, bonus_after, points_after FROM journal"
        " WHERE operation_id = ? OR operation_id IN (SELECT id FROM operations WHERE ref_id = ?)"
        " ORDER BY seq",  # the credit payment is its own operation referring to the sale
        [op_id, op_id],
    ).fetchall()
    body: dict[str, Any] = {
        "checkout_id": str(op_id),
        "receipt_no": op["receipt_no"],
        "display_name": op["display_name"],
        "customer_number": op["customer_number"],
        "lines": lines,
        "total": purchase["total"],
        "points_earned": purchase["points_earned"],
        "points_redeemed": details.get("points_redeemed", 0),
        "tenders": details.get("tenders", []),
        "net_mode": details.get("net_mode", False),
        "currency": config.box.currency,
    }
    for account in ("bonus", "cash"):
        body[f"from_{account}"] = -sum(
            e["amount"] for e in entries if e["account"] == account and e["amount"] < 0
        )
    for e in entries:
        if e["account"] in ("cash", "bonus"):
            body["cash"], body["bonus"] = e["cash_after"], e["bonus_after"]
        else:
            body["points"] = e["points_after"]
    try:
        priced = ledger.price_basket(
            [
                {
                    "unit_price": int(ln.get("total") or 0),
                    "quantity": "1",
                    "vat_rate_bp": int(ln.get("vat_rate_bp") or 0),
                    "discountable": False,
                }
                for ln in lines
            ],
            None,
            net_mode=bool(body["net_mode"]),
        )
        body["vat"] = [
            {"rate_bp": v.rate_bp, "net": v.net, "vat": v.vat, "gross": v.gross} for v in priced.vat
        ]
    except ledger.LedgerError:
        log.warning("checkout %s: VAT table could not be rebuilt", checkout_id)
    return checkout_document(config, body, at=op["created_at"])


def operation_slip(conn: sqlite3.Connection, config: Config, operation_id: str) -> Document | None:
    """The slip of a top-up or payout, from its operation and journal entries."""
    try:
        op_id = int(operation_id)
    except ValueError:
        return None
    op = conn.execute(
        "SELECT o.*, c.display_name, c.customer_number FROM operations o"
        " JOIN customers c ON c.id = o.customer_id WHERE o.id = ? AND o.kind IN ('topup','payout')",
        [op_id],
    ).fetchone()
    if op is None:
        return None
    details = json.loads(op["details"] or "{}")
    data: dict[str, Any] = {
        "operation_id": str(op_id),
        "receipt_no": op["receipt_no"],
        "at": op["created_at"],
        "amount": op["amount"],
        "currency": config.box.currency,
        "customer": {"display_name": op["display_name"], "number": op["customer_number"]},
    }
    if op["kind"] == "topup" and details.get("bonus"):
        data["bonus_granted"] = details["bonus"]
    last = conn.execute(
        "SELECT cash_after, bonus_after FROM journal WHERE operation_id = ?"
        " AND account IN ('cash','bonus') ORDER BY seq DESC LIMIT 1",
        [op_id],
    ).fetchone()
    if last is not None:
        data["cash"], data["bonus"] = last["cash_after"], last["bonus_after"]
    slip = topup_slip if op["kind"] == "topup" else payout_slip
    return slip(box_info(config), data, locale=locale(config), width=config.devices.printer.width)
