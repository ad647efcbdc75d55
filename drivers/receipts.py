"""Receipt layouts: plain dicts in, a printer-neutral :class:`Document` out.

No I/O and no ``edge`` imports: the service passes the JSON-shaped records
it already has (checkout response, top-up result, box info). Labels come
from the :mod:`l10n` catalogs (``slip_*``) and money, rates and quantities
from its Babel formatting: integer minor units with the currency's own
exponent, never floats, and plain spaces (a printer's cells are fixed).

The same :class:`Document` is printed by :mod:`drivers.printer` (ESC/POS) and
rendered to ``.txt``/``.png`` by the simulated printer, so what the demo
shows is what the paper shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import l10n
from l10n import N_
from l10n.catalogs import Gettext

__all__ = [
    "Document",
    "Line",
    "checkout_receipt",
    "format_money",
    "format_quantity",
    "format_rate",
    "payout_slip",
    "status_slip",
    "text_document",
    "topup_slip",
]

Align = Literal["left", "center", "right"]

REVERSE_CHARGE_NOTE = "Steuerschuldnerschaft des Leistungsempfängers / reverse charge"
# The tenders with a printed name; any other type is printed as sent.
TENDERS = {
    "cash": N_("slip_tender_cash"),
    "card": N_("slip_tender_card"),
    "credit": N_("slip_tender_credit"),
    "voucher": N_("slip_tender_voucher"),
}


def format_money(minor: int, currency: str = "EUR", locale: str = "de") -> str:
    """123456 → ``1.234,56 €`` (de) or ``€1,234.56`` (en), in the currency's digits."""
    return l10n.plain(l10n.money(minor, currency, locale))


def format_rate(rate_bp: int, locale: str = "de") -> str:
    """VAT rate in basis points: 1900 → ``19 %``, 550 → ``5,5 %`` (de)."""
    return l10n.plain(l10n.percent(int(rate_bp), locale))


def format_quantity(quantity: Any, locale: str = "de") -> str:
    """Quantities arrive as decimal strings ("2", "0.5"); keep them exact."""
    return l10n.decimal(quantity, locale)


@dataclass
class Line:
    text: str = ""
    align: Align = "left"
    bold: bool = False
    double: bool = False  # double width + height: half the columns
    right: str | None = None  # a right-aligned column (amounts), laid out at render time


@dataclass
class Document:
    """A receipt as styled text lines for a ``width``-column printer."""

    kind: str = "text"
    title: str = ""
    width: int = 42
    lines: list[Line] = field(default_factory=list)
    cut: bool = True

    def add(self, text: str = "", *, align: Align = "left", bold: bool = False) -> None:
        for chunk in _wrap(text, self.width):
            self.lines.append(Line(chunk, align, bold))

    def big(self, text: str, *, align: Align = "center") -> None:
        for chunk in _wrap(text, self.width // 2):
            self.lines.append(Line(chunk, align, True, True))

    def pair(self, left: str, right: str, *, bold: bool = False) -> None:
        """``left`` and ``right`` on one line, right-aligned amount."""
        # Leave room for "€" turning into "EUR" on a printer without a euro sign.
        room = self.width - len(right) - 2 * right.count("€") - 1
        chunks = _wrap(left, max(room, 1)) or [""]
        for chunk in chunks[:-1]:
            self.lines.append(Line(chunk, "left", bold))
        self.lines.append(Line(chunks[-1], "left", bold, right=right))

    def rule(self, char: str = "-") -> None:
        self.lines.append(Line(char * self.width))

    def blank(self) -> None:
        self.lines.append(Line(""))

    def columns_of(self, line: Line) -> int:
        return self.width // 2 if line.double else self.width

    def render_line(self, line: Line, fold: Callable[[str], str] = str) -> str:
        """The line as it sits on paper (padding for alignment, no styling);
        ``fold`` maps text to what the device's code page can show."""
        cols = self.columns_of(line)
        if line.right is not None:
            right = fold(line.right)[:cols]
            room = cols - len(right) - 1
            left = fold(line.text)[: max(room, 0)]
            return (left.ljust(room) + " " + right) if room > 0 else right
        text = fold(line.text)[:cols]
        if line.align == "center":
            return text.center(cols).rstrip()
        if line.align == "right":
            return text.rjust(cols)
        return text

    def text(self, fold: Callable[[str], str] = str) -> str:
        """Plain-text rendering (double-size lines are spaced out)."""
        out = []
        for line in self.lines:
            rendered = self.render_line(line, fold)
            out.append(" ".join(rendered) if line.double else rendered)
        return "\n".join(out) + "\n"


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap that also breaks over-long words."""
    if text == "":
        return [""]
    lines: list[str] = []
    for raw in text.split("\n"):
        # Keep a leading indent (sub-lines like "  2 × 3,80 €") on every chunk.
        paragraph = raw.lstrip(" ")
        indent = raw[: len(raw) - len(paragraph)]
        if width - len(indent) < 8:
            indent = ""
        start = len(lines)
        width_here = width - len(indent)
        current = ""
        for word in paragraph.split(" "):
            while len(word) > width_here:
                if current:
                    lines.append(current)
                    current = ""
                lines.append(word[:width_here])
                word = word[width_here:]
            candidate = f"{current} {word}" if current else word
            if len(candidate) <= width_here:
                current = candidate
            else:
                lines.append(current)
                current = word
        lines.append(current)
        lines[start:] = [indent + chunk for chunk in lines[start:]]
    return lines


def _header(doc: Document, box: Mapping[str, Any]) -> None:
    if box.get("name"):
        doc.big(str(box["name"]))
    address = box.get("address") or []
    if isinstance(address, str):
        address = address.split("\n")
    for part in address:
        doc.add(str(part), align="center")
    for key in ("phone", "vat_id", "tax_number"):
        if box.get(key):
            doc.add(str(box[key]), align="center")
    doc.rule()


def _meta(doc: Document, data: Mapping[str, Any], _: Gettext) -> None:
    if data.get("receipt_no"):
        doc.pair(_("slip_receipt"), str(data["receipt_no"]))
    when = data.get("at") or data.get("created_at")
    if when:
        doc.add(str(when))
    customer = data.get("customer") or {}
    if customer:
        name = customer.get("display_name") or ""
        number = customer.get("customer_number") or customer.get("number")
        doc.add(_("slip_customer") + f": {name}" + (f" ({number})" if number else ""))


def _balances(doc: Document, data: Mapping[str, Any], _: Gettext, money: Any) -> None:
    shown = [k for k in ("cash", "bonus") if data.get(k) is not None]
    if not shown and data.get("points") is None:
        return
    doc.add(_("slip_balances"), bold=True)
    names = {"cash": _("slip_cash"), "bonus": _("slip_bonus")}
    for key in shown:
        doc.pair(f"  {names[key]}", money(int(data[key])))
    if data.get("points") is not None:
        doc.pair("  " + _("slip_points"), str(int(data["points"])))


def checkout_receipt(
    box: Mapping[str, Any],
    checkout: Mapping[str, Any],
    *,
    locale: str = "de",
    width: int = 42,
    currency: str | None = None,
) -> Document:
    """The sale receipt from a checkout response (API.md shapes)."""
    _ = l10n.translator(locale)
    cur = currency or str(checkout.get("currency") or "EUR")

    def money(v: int) -> str:
        return format_money(int(v), cur, locale)

    title = (_("slip_receipt") + " " + str(checkout.get("receipt_no", ""))).strip()
    doc = Document("checkout", title, width)
    _header(doc, box)
    _meta(doc, checkout, _)
    doc.rule()
    for item in checkout.get("lines", []):
        qty = format_quantity(item.get("quantity", "1"), locale)
        unit = int(item.get("unit_price", 0))
        gross = item.get("gross")
        rate = item.get("vat_rate_bp")
        suffix = f" {_rate_code(rate, checkout)}" if rate is not None else ""
        doc.pair(str(item.get("name") or item.get("sku") or ""), money(int(gross or 0)) + suffix)
        if qty not in ("1",) or gross is None:
            doc.add(f"  {qty} × {money(unit)}")
        discount = int(item.get("discount") or 0)
        if discount:
            pct = item.get("discount_percent")
            label = (
                "  " + _("slip_discount") + (f" {format_quantity(pct, locale)} %" if pct else "")
            )
            # Keep amounts in one column with the "€ A" of the item lines.
            doc.pair(label, money(-discount) + ("  " if suffix else ""))
    if checkout.get("points_discount"):
        doc.pair(_("slip_points_discount"), money(-int(checkout["points_discount"])))
    doc.rule()
    doc.pair(_("slip_total"), money(int(checkout.get("total", 0))), bold=True)
    vat = list(checkout.get("vat") or [])
    if vat:
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
    if checkout.get("reverse_charge") or checkout.get("price_mode") == "net":
        doc.blank()
        doc.add(REVERSE_CHARGE_NOTE)
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
        doc.pair(name, money(int(tender["amount"])))
    if checkout.get("points_redeemed"):
        doc.pair(_("slip_points_redeemed"), str(int(checkout["points_redeemed"])))
    if checkout.get("points_earned"):
        doc.pair(_("slip_points_earned"), str(int(checkout["points_earned"])))
    balances = checkout.get("balances") or checkout
    _balances(doc, balances, _, money)
    doc.blank()
    doc.add(_("slip_thanks"), align="center")
    return doc


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


def topup_slip(
    box: Mapping[str, Any],
    topup: Mapping[str, Any],
    *,
    locale: str = "de",
    width: int = 42,
    currency: str | None = None,
) -> Document:
    """Slip for a credit top-up: amount, bonus granted, balances after."""
    _ = l10n.translator(locale)
    cur = currency or str(topup.get("currency") or "EUR")

    def money(v: int) -> str:
        return format_money(int(v), cur, locale)

    doc = Document("topup", _("slip_topup"), width)
    _header(doc, box)
    doc.big(_("slip_topup"))
    _meta(doc, topup, _)
    doc.rule()
    doc.pair(_("slip_topup_amount"), money(int(topup.get("amount", 0))), bold=True)
    if topup.get("bonus_granted"):
        doc.pair(_("slip_bonus_granted"), money(int(topup["bonus_granted"])))
    doc.rule()
    _balances(doc, topup, _, money)
    return doc


def payout_slip(
    box: Mapping[str, Any],
    payout: Mapping[str, Any],
    *,
    locale: str = "de",
    width: int = 42,
    currency: str | None = None,
) -> Document:
    """Slip for a cash payout, with a signature line for the customer."""
    _ = l10n.translator(locale)
    cur = currency or str(payout.get("currency") or "EUR")

    def money(v: int) -> str:
        return format_money(int(v), cur, locale)

    doc = Document("payout", _("slip_payout"), width)
    _header(doc, box)
    doc.big(_("slip_payout"))
    _meta(doc, payout, _)
    doc.rule()
    doc.pair(_("slip_payout_amount"), money(int(payout.get("amount", 0))), bold=True)
    doc.rule()
    _balances(doc, payout, _, money)
    doc.blank()
    doc.blank()
    doc.add("_" * min(width, 32))
    doc.add(_("slip_signature"))
    return doc


def status_slip(
    box: Mapping[str, Any],
    *,
    addresses: Sequence[str],
    tls_fingerprint: str,
    pairing_hint: str,
    version: str = "",
    locale: str = "de",
    width: int = 42,
) -> Document:
    """Printed at boot: where the box is and how to pair a terminal."""
    _ = l10n.translator(locale)
    doc = Document("status", _("slip_status"), width)
    _header(doc, box)
    doc.big(_("slip_status"))
    if version:
        doc.pair(_("slip_version"), version)
    for address in addresses:
        doc.add(_("slip_address") + f": {address}")
    doc.blank()
    doc.add(_("slip_fingerprint") + ":", bold=True)
    # Colon-separated hex pairs break cleanly at a colon, never mid-pair.
    groups = [g for g in tls_fingerprint.split(":") if g]
    per_line = max(1, (width + 1) // 3)
    for i in range(0, len(groups), per_line):
        doc.add(":".join(groups[i : i + per_line]))
    doc.blank()
    doc.add(_("slip_pairing") + f": {pairing_hint}")
    return doc


def text_document(
    lines: Iterable[str], *, title: str = "", width: int = 42, cut: bool = True
) -> Document:
    """Free text (``POST /receipts`` without a checkout)."""
    doc = Document("text", title, width, cut=cut)
    if title:
        doc.add(title, align="center", bold=True)
    for line in lines:
        doc.add(str(line))
    return doc
