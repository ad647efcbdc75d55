"""The sale receipt: a checkout response in, a printer-neutral :class:`Document` out.

No I/O and no ``edge`` imports: the service passes the JSON-shaped records
it already has (checkout response, box info). Labels come from the
:mod:`l10n` catalogs (``slip_*``). What it carries is SPEC §5 "Receipts" (a
German Kleinbetragsrechnung): seller, local date and time, lines, discounts,
VAT per rate, total, tenders, balances after; in net mode (reverse charge)
every amount is net, VAT is 0 and the note names both VAT IDs.

The same :class:`Document` is printed by :mod:`drivers.printer` (ESC/POS) and
rendered to ``.txt``/``.png`` by the simulated printer, so what the demo
shows is what the paper shows. The document model is
:mod:`drivers.receipt_document`, the other slips :mod:`drivers.receipt_slips`;
both are re-exported here, the one import of the layouts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import l10n
from drivers.receipt_document import (
    Document,
    Line,
    format_money,
    format_quantity,
    format_rate,
)
from drivers.receipt_parts import Money, balances, header, meta, money_in
from drivers.receipt_slips import payout_slip, refund_slip, status_slip, text_document, topup_slip
from l10n import N_
from l10n.catalogs import Gettext

__all__ = [
    "Document",
    "Line",
    "checkout_receipt",
    "format_money",
    "format_quantity",
    "format_rate",
    "is_net_mode",
    "net_of",
    "payout_slip",
    "refund_slip",
    "status_slip",
    "text_document",
    "topup_slip",
]

# The tenders with a printed name; any other type is printed as sent.
TENDERS = {
    "cash": N_("slip_tender_cash"),
    "card": N_("slip_tender_card"),
    "credit": N_("slip_tender_credit"),
    "voucher": N_("slip_tender_voucher"),
    "invoice": N_("slip_tender_invoice"),
}


def is_net_mode(checkout: Mapping[str, Any]) -> bool:
    """Reverse charge: the API's ``net_mode`` (older shapes: ``reverse_charge``,
    ``price_mode: "net"``)."""
    return bool(
        checkout.get("net_mode")
        or checkout.get("reverse_charge")
        or checkout.get("price_mode") == "net"
    )


def net_of(gross: int, rate_bp: int) -> int:
    """The core's net-mode conversion (docs/money.md "Net mode"):
    ``round_half_up(gross × 10000 / (10000 + rate_bp))``, in integers."""
    divisor = 10000 + int(rate_bp)
    value = abs(int(gross)) * 10000
    net = (2 * value + divisor) // (2 * divisor)
    return net if gross >= 0 else -net


def checkout_receipt(
    box: Mapping[str, Any],
    checkout: Mapping[str, Any],
    *,
    locale: str = "de",
    width: int = 42,
    currency: str | None = None,
) -> Document:
    """The sale receipt from a checkout response (docs/api.md shapes), plus
    ``at`` (UTC) and ``customer`` ``{display_name, customer_number, vat_id}``."""
    _ = l10n.translator(locale)
    money = money_in(currency or str(checkout.get("currency") or "EUR"), locale)
    net = is_net_mode(checkout)
    title = (_("slip_receipt") + " " + str(checkout.get("receipt_no", ""))).strip()
    doc = Document("checkout", title, width)
    header(doc, box, _)
    meta(doc, checkout, box, _, locale)
    doc.rule()
    for item in checkout.get("lines", []):
        _item(doc, item, checkout, _, money, locale, net=net)
    points_value = checkout.get("points_value") or checkout.get("points_discount")
    if points_value:
        doc.pair(_("slip_points_discount"), money(-int(points_value)))
    doc.rule()
    doc.pair(
        _("slip_total_net") if net else _("slip_total"),
        money(int(checkout.get("total", 0))),
        bold=True,
    )
    _vat_table(doc, checkout, _, money, locale)
    if net:
        _reverse_charge_note(doc, box, checkout, _)
    doc.rule()
    if checkout.get("from_bonus"):
        doc.pair(_("slip_from_bonus"), money(int(checkout["from_bonus"])))
    if checkout.get("from_cash"):
        doc.pair(_("slip_from_cash"), money(int(checkout["from_cash"])))
    for tender in checkout.get("tenders") or []:
        if tender.get("type") == "credit" or not tender.get("amount"):
            continue
        kind = str(tender.get("type"))
        name = _(TENDERS[kind]) if kind in TENDERS else kind
        if tender.get("invoice_number"):  # "auf Rechnung": which invoice it is on
            name = f"{name} {tender['invoice_number']}"
        doc.pair(name, money(int(tender["amount"])))
    if checkout.get("points_redeemed"):
        doc.pair(_("slip_points_redeemed"), str(int(checkout["points_redeemed"])))
    if checkout.get("points_earned"):
        doc.pair(_("slip_points_earned"), str(int(checkout["points_earned"])))
    balances(doc, checkout.get("balances") or checkout, _, money)
    doc.blank()
    doc.add(_("slip_thanks"), align="center")
    return doc


def _item(
    doc: Document,
    item: Mapping[str, Any],
    checkout: Mapping[str, Any],
    _: Gettext,
    money: Money,
    locale: str,
    *,
    net: bool,
) -> None:
    """One line: amount before discount, quantity × unit price, discount.

    In net mode the core charges each line's total converted to net; the
    amount and unit price are converted the same way and the discount is
    what is left, so the printed lines add up to the net total.
    """
    qty = format_quantity(item.get("quantity", "1"), locale)
    unit = int(item.get("unit_price", 0))
    gross = item.get("gross")
    rate = item.get("vat_rate_bp")
    amount = int(gross or 0)
    discount = int(item.get("discount") or 0)
    if net and rate is not None:
        unit = net_of(unit, int(rate))
        amount = net_of(amount, int(rate))
        total = item.get("total")
        discount = amount - int(total) if total is not None else net_of(discount, int(rate))
    suffix = f" {_rate_code(rate, checkout)}" if rate is not None else ""
    doc.pair(str(item.get("name") or item.get("sku") or ""), money(amount) + suffix)
    if qty not in ("1",) or gross is None:
        doc.add(f"  {qty} × {money(unit)}")
    if discount:
        pct = item.get("discount_percent")
        label = "  " + _("slip_discount") + (f" {format_quantity(pct, locale)} %" if pct else "")
        # Keep amounts in one column with the "€ A" of the item lines.
        doc.pair(label, money(-discount) + ("  " if suffix else ""))


def _vat_table(
    doc: Document, checkout: Mapping[str, Any], _: Gettext, money: Money, locale: str
) -> None:
    vat = list(checkout.get("vat") or [])
    if not vat:
        return
    doc.blank()
    vat_label, net_label = _("slip_vat"), _("slip_net")
    head = f"{vat_label:<10}{net_label:>10}{vat_label:>10}"
    doc.pair(head, _("slip_gross"))
    for row in vat:
        code = _rate_code(row.get("rate_bp"), checkout)
        left = (
            f"{code} {format_rate(int(row['rate_bp']), locale):<7}"
            f"{money(int(row.get('net', 0))):>10}{money(int(row.get('vat', 0))):>10}"
        )
        doc.pair(left, money(int(row.get("gross", 0))))


def _reverse_charge_note(
    doc: Document, box: Mapping[str, Any], checkout: Mapping[str, Any], _: Gettext
) -> None:
    """§13b UStG: the note and both parties' VAT IDs (SPEC §5)."""
    customer = checkout.get("customer") or {}
    customer_vat_id = customer.get("vat_id") or checkout.get("customer_vat_id")
    doc.blank()
    doc.add(_("slip_reverse_charge"), bold=True)
    if box.get("vat_id"):
        doc.pair(_("slip_shop_vat_id"), str(box["vat_id"]))
    if customer_vat_id:
        doc.pair(_("slip_customer_vat_id"), str(customer_vat_id))


def _rate_code(rate_bp: Any, checkout: Mapping[str, Any]) -> str:
    """A/B/C… per distinct VAT rate, highest first (German receipt habit)."""
    if rate_bp is None:
        return ""
    rates = sorted(
        {int(r["rate_bp"]) for r in checkout.get("vat") or []}
        | {int(i["vat_rate_bp"]) for i in checkout.get("lines", []) if "vat_rate_bp" in i},
        reverse=True,
    )
    return "ABCDEFGH"[rates.index(int(rate_bp))] if int(rate_bp) in rates else ""
