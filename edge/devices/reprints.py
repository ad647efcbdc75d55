"""Receipts rebuilt after the fact: a checkout that was never queued, and the
slip of a top-up, payout or refund, all from what the journal holds. Used by
``POST /receipts`` for reprints; the outbox itself is :mod:`edge.devices.printing`."""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

from drivers.receipts import Document, payout_slip, refund_slip, topup_slip
from edge.devices.printing import box_info, checkout_document, customer_vat_id, locale
from edge.platform.config import Config

log = logging.getLogger(__name__)


def rebuild_checkout(conn: sqlite3.Connection, config: Config, checkout_id: str) -> Document | None:
    """A receipt for a checkout that was never queued for printing.

    Rebuilt from what the sale stored: the purchase lines, the operation's
    details (tenders, points), its journal entries (credit split, balances
    after) and the VAT table priced again by the Rust core (:func:`_vat_rows`).
    """
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
        # What the points took off: the line totals less what was paid.
        "points_value": sum(int(ln.get("total") or 0) for ln in lines) - int(purchase["total"]),
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
    vat = _vat_rows(lines, details, int(purchase["total"]), int(body["points_value"]))
    if vat is None:
        log.warning("checkout %s: VAT table could not be rebuilt", checkout_id)
    else:
        body["vat"] = vat
    vat_id = customer_vat_id(conn, op["customer_id"]) if body["net_mode"] else None
    return checkout_document(config, body, at=op["created_at"], vat_id=vat_id)


def _vat_rows(
    lines: list[dict[str, Any]], details: dict[str, Any], total: int, points_value: int
) -> list[dict[str, int]] | None:
    """The sale's VAT table, priced again by the Rust core from what the sale
    stored: the lines as sent, their discount, net mode and the points
    redeemed (VAT after points, SPEC §4). None unless it reproduces the
    stored total: a receipt prints no VAT rather than a wrong one."""
    from edge import ledger

    redeemed = int(details.get("points_redeemed") or 0)
    percent = max((int(ln.get("discount_percent") or 0) for ln in lines), default=0)
    try:
        priced = ledger.price_basket(
            [
                {
                    "unit_price": int(ln.get("unit_price") or 0),
                    "quantity": str(ln.get("quantity") or "1"),
                    "vat_rate_bp": int(ln.get("vat_rate_bp") or 0),
                    "discountable": bool(ln.get("discountable", True)),
                }
                for ln in lines
            ],
            percent or None,
            net_mode=bool(details.get("net_mode")),
            points_to_redeem=redeemed,
            points_balance=redeemed,
            point_value=points_value // redeemed if redeemed else 1,
            points_per_eur=0,
        )
    except ledger.LedgerError:
        return None
    if priced.total != total:
        return None
    return [
        {"rate_bp": v.rate_bp, "net": v.net, "vat": v.vat, "gross": v.gross} for v in priced.vat
    ]


def _last_entry(conn: sqlite3.Connection, op_id: int, accounts: str) -> sqlite3.Row | None:
    """The operation's last journal entry on ``accounts`` (an SQL condition
    written here, never from input): its balances after."""
    return conn.execute(
        "SELECT cash_after, bonus_after, points_after FROM journal"
        f" WHERE operation_id = ? AND {accounts} ORDER BY seq DESC LIMIT 1",
        [op_id],
    ).fetchone()


def operation_slip(conn: sqlite3.Connection, config: Config, operation_id: str) -> Document | None:
    """The slip of a top-up, payout or refund, from its operation and journal
    entries (a refund names the payment it refunds and the sale's receipt)."""
    try:
        op_id = int(operation_id)
    except ValueError:
        return None
    op = conn.execute(
        "SELECT o.*, c.display_name, c.customer_number FROM operations o"
        " JOIN customers c ON c.id = o.customer_id"
        " WHERE o.id = ? AND o.kind IN ('topup','payout','refund')",
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
    if op["kind"] == "refund":
        data["payment_id"] = str(op["ref_id"])
        for key in ("to_cash", "to_bonus", "points_taken_back"):
            data[key] = details.get(key, 0)
    last = _last_entry(conn, op_id, "account IN ('cash','bonus')")
    if last is not None:
        data["cash"], data["bonus"] = last["cash_after"], last["bonus_after"]
    points = _last_entry(conn, op_id, "account = 'points'")
    if op["kind"] == "refund" and points is not None:  # the points taken back
        data["points"] = points["points_after"]
    slip = {"topup": topup_slip, "payout": payout_slip, "refund": refund_slip}[op["kind"]]
    return slip(box_info(config), data, locale=locale(config), width=config.devices.printer.width)
