"""Quotes and checkouts: the whole sale in one transaction (SPEC §5).

Tender rule (SPEC is silent on the order): explicit non-credit tenders (cash,
card, …) are counted first; a ``credit`` tender with ``amount: null`` then
takes as much of what is still open as the balances allow, bonus first. What
is still open after that is ``left_to_pay``; a checkout with anything left to
pay is refused with ``insufficient_funds`` and writes nothing, a quote just
reports it. Overpaid cash is reported as ``change``.

An ``invoice`` tender ("auf Rechnung", BACKOFFICE §8) comes last: it takes
what is still open after the others and the credit (or a fixed part of
it), for a customer with ``allow_invoice_payment`` and within their credit
limit; the checkout then issues the invoice (its number taken) in this same
transaction. A quote reports ``credit_available`` and refuses only a
customer who may not pay by invoice at all.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from edge import ledger
from edge.customers.cards import active_card, parse_uid
from edge.customers.delivery.store import for_sale, one_line
from edge.customers.service import MoneyCustomer, load_for_money, parse_id, touch_last_visit
from edge.errors import Conflict, DomainError, FieldErrors
from edge.invoices import book
from edge.invoices.tender import house_account, require_invoice_payment
from edge.money import journal
from edge.money.basket import priced_line
from edge.money.service import pay
from edge.platform.actor import Actor
from edge.platform.config import Config


def resolve_payer(
    conn: sqlite3.Connection, config: Config, customer_id: str | None, card_uid: str | None
) -> MoneyCustomer:
    """SPEC §5: exactly one payer. With both, a card could be charged to a
    customer it does not belong to; so both are refused like neither is."""
    if customer_id is not None and card_uid is not None:
        raise FieldErrors(
            [
                {"field": name, "message": "send exactly one of customer_id or card_uid"}
                for name in ("customer_id", "card_uid")
            ],
            "send exactly one of customer_id or card_uid, not both",
        )
    if customer_id is not None:
        return load_for_money(conn, parse_id(customer_id), config)
    if card_uid is not None:
        card = active_card(conn, parse_uid(card_uid, "card_uid"))
        return load_for_money(conn, int(card["customer_id"]), config)
    raise FieldErrors(
        [
            {"field": name, "message": "customer_id or card_uid required"}
            for name in ("customer_id", "card_uid")
        ],
        "send customer_id or card_uid",
    )


def _invoice_amount(wanted: int | None, still_open: int) -> int:
    """An invoice tender takes what is still open, or a fixed part of it."""
    if wanted is None:
        return still_open
    if wanted > still_open:
        raise FieldErrors.one(
            "tenders",
            "invoice tender exceeds the total",
            f"invoice tender {wanted} is more than the open amount {still_open}",
        )
    return wanted


def price(
    conn: sqlite3.Connection, config: Config, req: Any, *, commit: bool, actor: Actor | None = None
) -> tuple[dict[str, Any], int]:
    payer = resolve_payer(conn, config, req.customer_id, req.card_uid)
    payer.require_transactable()
    delivery = (
        for_sale(conn, payer.id, req.delivery_address_id) if req.delivery_address_id else None
    )
    bal = journal.load_balances(conn, payer.id)
    lc = config.ledger
    net_mode = payer.reverse_charge
    lines = [
        {
            "unit_price": ln.unit_price,
            "quantity": ln.quantity,
            "vat_rate_bp": ln.vat_rate_bp,
            "discountable": ln.discountable,
        }
        for ln in req.lines
    ]
    basket = ledger.price_basket(
        lines,
        payer.effective_discount_percent,
        net_mode=net_mode,
        points_to_redeem=req.redeem_points,
        points_balance=bal.points,
        point_value=lc.point_value,
        points_per_eur=lc.points_per_eur,
        points_blocked=payer.points_blocked,
    )
    total = basket.total

    others = sum(t.amount or 0 for t in req.tenders if t.type not in ("credit", "invoice"))
    credit_tenders = [t for t in req.tenders if t.type == "credit"]
    if len(credit_tenders) > 1:
        raise FieldErrors.one("tenders", "at most one credit tender")
    invoice_tenders = [t for t in req.tenders if t.type == "invoice"]
    if len(invoice_tenders) > 1:
        raise FieldErrors.one("tenders", "at most one invoice tender")
    open_after_others = max(0, total - others)
    credit = 0
    if credit_tenders:
        wanted = credit_tenders[0].amount
        available = bal.cash + bal.bonus
        if wanted is None:
            credit = min(open_after_others, available)
        else:
            if wanted > open_after_others:
                raise FieldErrors.one(
                    "tenders",
                    "credit tender exceeds the total",
                    f"credit tender {wanted} is more than the open amount {open_after_others}",
                )
            credit = min(wanted, available)  # empty balances: no settlement, it would be refused
    split = ledger.settle(bal.cash, bal.bonus, credit, allow_partial=True) if credit else None
    from_bonus = split.from_bonus if split else 0
    from_cash = split.from_cash if split else 0
    taken = from_bonus + from_cash
    invoiced = 0
    account = house_account(conn, payer.id) if invoice_tenders or not commit else None
    if invoice_tenders:
        assert account is not None
        invoiced = _invoice_amount(invoice_tenders[0].amount, max(0, total - others - taken))
        require_invoice_payment(account, invoiced if commit else 0)
    left_to_pay = max(0, total - others - taken - invoiced)
    change = max(0, others + taken - total)

    body: dict[str, Any] = {
        "customer_id": str(payer.id),
        "customer_number": payer.customer_number,
        "display_name": payer.display_name,
        "receipt_no": req.receipt_no,
        "lines": [priced_line(ln, p) for ln, p in zip(req.lines, basket.lines, strict=True)],
        "vat": [
            {
                "rate_bp": v.rate_bp,
                "net": v.net,
                "vat": v.vat,
                "gross": v.gross,
                "points_share": v.points_share,
            }
            for v in basket.vat
        ],
        "net_mode": net_mode,
        "subtotal": basket.subtotal,
        "discount_total": basket.discount_total,
        "points_redeemed": basket.points_redeemed,
        "points_value": basket.points_value,
        "total": total,
        "points_earned": basket.points_earned,
        "from_bonus": from_bonus,
        "from_cash": from_cash,
        "other_tenders": others,
        "invoice": invoiced,
        "left_to_pay": left_to_pay,
        "change": change,
        "currency": config.box.currency,
        "credit_limit": account.credit_limit if account else None,
        "invoices_open": account.open if account else None,
        "credit_available": account.available if account else None,
        "delivery_address_id": str(delivery["id"]) if delivery else None,
        "delivery_address": one_line(delivery) if delivery else None,
    }
    if not commit:
        after_credit = (bal.cash - from_cash, bal.bonus - from_bonus)
        body.update(
            cash=after_credit[0],
            bonus=after_credit[1],
            points=bal.points - basket.points_redeemed + basket.points_earned,
        )
        return body, 200

    assert actor is not None
    if left_to_pay > 0:
        raise DomainError(
            "insufficient_funds",
            f"tenders cover {others + taken} of {total}; {left_to_pay} left to pay",
            amount=total,
            available=others + taken,
            remaining=left_to_pay,
            cash=bal.cash,
            bonus=bal.bonus,
        )
    if (
        req.receipt_no
        and conn.execute(
            "SELECT 1 FROM operations WHERE kind = 'checkout' AND receipt_no = ?", [req.receipt_no]
        ).fetchone()
    ):
        raise Conflict(
            f"receipt {req.receipt_no} was already checked out",
            errors=[{"field": "receipt_no", "message": "already checked out"}],
        )
    op = journal.new_operation(
        conn,
        "checkout",
        payer.id,
        total,
        actor,
        {
            "paid_total": total,
            "points_redeemed": basket.points_redeemed,
            "points_earned": basket.points_earned,
            "net_mode": net_mode,
            "tenders": [t.model_dump() for t in req.tenders],
            "credit": taken,
        },
        receipt_no=req.receipt_no,
    )
    entries: list[dict[str, Any]] = []
    if basket.points_redeemed:
        r = ledger.redeem_points(
            bal.points,
            basket.points_redeemed,
            basket_total=basket.subtotal,
            point_value=lc.point_value,
            blocked=payer.points_blocked,
        )
        entries += op.post(payer.id, r.entries, bal)
    payment_id = None
    if taken:
        payment_id, _, pay_entries = pay(
            conn,
            actor,
            payer.id,
            bal,
            taken,
            allow_partial=False,
            receipt_no=req.receipt_no,
            checkout_id=op.id,
        )
        entries += pay_entries
    if basket.points_earned:
        r = ledger.earn_points(
            bal.points, total, points_per_eur=lc.points_per_eur, blocked=payer.points_blocked
        )
        entries += op.post(payer.id, r.entries, bal)
    conn.execute(
        "INSERT INTO purchases (customer_id, operation_id, receipt_no, total, points_earned,"
        " lines, created_at, delivery_address_id, delivery_address)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            payer.id,
            op.id,
            req.receipt_no,
            total,
            basket.points_earned,
            json.dumps(body["lines"]),
            actor.at,
            delivery["id"] if delivery else None,
            body["delivery_address"],
        ],
    )
    touch_last_visit(conn, payer.id, actor.at)
    invoice_id = invoice_number = None
    if invoiced:
        invoice_id, invoice_number = book.invoice_for_checkout(
            conn, config, actor, payer.id, body, op.id, prepaid=total - invoiced
        )
    body.update(
        invoice_id=invoice_id,
        invoice_number=invoice_number,
        checkout_id=str(op.id),
        payment_id=str(payment_id) if payment_id else None,
        cash=bal.cash,
        bonus=bal.bonus,
        points=bal.points,
        entries=entries,
        receipt_job_id=None,
    )
    if req.print_receipt and config.devices.printer.enabled:
        from edge.devices import printing  # drivers (escpos, Pillow) only when a receipt is wanted

        # Queued in this very transaction: the receipt exists iff the sale does.
        # An invoice tender prints with what it took and the invoice's number.
        tenders = [
            {**t.model_dump(), "amount": invoiced, "invoice_number": invoice_number}
            if t.type == "invoice"
            else t.model_dump()
            for t in req.tenders
        ]
        body["receipt_job_id"] = printing.enqueue_checkout(
            conn, config, {**body, "tenders": tenders}, at=actor.at
        )
    return body, 201
