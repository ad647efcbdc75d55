"""Receipt layouts: plain dicts in, a printer-neutral :class:`Document` out.

No I/O and no ``edge`` imports: the service passes the JSON-shaped records
it already has (checkout response, top-up result, box info). Money is always
integer minor units and is formatted with integer ``divmod`` — never floats.

The same :class:`Document` is printed by :mod:`drivers.printer` (ESC/POS) and
rendered to ``.txt``/``.png`` by the simulated printer, so what the demo
shows is what the paper shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

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

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
REVERSE_CHARGE_NOTE = "Steuerschuldnerschaft des Leistungsempfängers / reverse charge"


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def format_money(minor: int, currency: str = "EUR", locale: str = "de") -> str:
    """123456 → ``1.234,56 €`` (de) or ``€1,234.56`` (en); 2 minor digits."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError(f"money must be integer minor units, got {minor!r}")
    sign = "-" if minor < 0 else ""
    major, cents = divmod(abs(minor), 100)
    symbol = _SYMBOLS.get(currency.upper())
    if locale.startswith("de"):
        number = f"{_group(str(major), '.')},{cents:02d}"
        return f"{sign}{number} {symbol or currency.upper()}"
    number = f"{_group(str(major), ',')}.{cents:02d}"
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{currency.upper()} {number}"


def format_rate(rate_bp: int, locale: str = "de") -> str:
    """VAT rate in basis points: 1900 → ``19 %``, 550 → ``5,5 %`` (de)."""
    whole, frac = divmod(int(rate_bp), 100)
    text = str(whole) if frac == 0 else f"{whole}.{frac:02d}".rstrip("0")
    return text.replace(".", ",") + " %" if locale.startswith("de") else text + "%"


def format_quantity(quantity: Any, locale: str = "de") -> str:
    """Quantities arrive as decimal strings ("2", "0.5"); keep them exact."""
    text = str(quantity).strip()
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if locale.startswith("de") else text


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


_LABELS = {
    "de": {
        "receipt": "Beleg",
        "customer": "Kunde",
        "discount": "Rabatt",
        "total": "SUMME",
        "vat": "MwSt",
        "net": "Netto",
        "gross": "Brutto",
        "from_bonus": "Bezahlt mit Bonus",
        "from_cash": "Bezahlt mit Guthaben",
        "other": "Weitere Zahlung",
        "balances": "Kontostand danach",
        "cash": "Guthaben",
        "bonus": "Bonus",
        "points": "Punkte",
        "points_earned": "Punkte gesammelt",
        "points_redeemed": "Punkte eingelöst",
        "points_discount": "Punkte-Rabatt",
        "topup": "AUFLADUNG",
        "topup_amount": "Aufgeladen",
        "bonus_granted": "Bonus gutgeschrieben",
        "payout": "AUSZAHLUNG",
        "payout_amount": "Ausgezahlt",
        "signature": "Unterschrift Kunde",
        "status": "STATUS",
        "version": "Version",
        "address": "Adresse",
        "fingerprint": "TLS-Fingerabdruck (SHA-256)",
        "pairing": "Kopplung",
        "thanks": "Vielen Dank für Ihren Einkauf!",
        "tender": {"cash": "Bar", "card": "Karte", "credit": "Guthaben", "voucher": "Gutschein"},
    },
    "en": {
        "receipt": "Receipt",
        "customer": "Customer",
        "discount": "Discount",
        "total": "TOTAL",
        "vat": "VAT",
        "net": "Net",
        "gross": "Gross",
        "from_bonus": "Paid from bonus",
        "from_cash": "Paid from credit",
        "other": "Other payment",
        "balances": "Balances after",
        "cash": "Credit",
        "bonus": "Bonus",
        "points": "Points",
        "points_earned": "Points earned",
        "points_redeemed": "Points redeemed",
        "points_discount": "Points discount",
        "topup": "TOP-UP",
        "topup_amount": "Topped up",
        "bonus_granted": "Bonus granted",
        "payout": "PAYOUT",
        "payout_amount": "Paid out",
        "signature": "Customer signature",
        "status": "STATUS",
        "version": "Version",
        "address": "Address",
        "fingerprint": "TLS fingerprint (SHA-256)",
        "pairing": "Pairing",
        "thanks": "Thank you for your purchase!",
        "tender": {"cash": "Cash", "card": "Card", "credit": "Credit", "voucher": "Voucher"},
    },
}


def _labels(locale: str) -> dict[str, Any]:
    return _LABELS["de" if locale.startswith("de") else "en"]


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


def _meta(doc: Document, data: Mapping[str, Any], lab: Mapping[str, Any]) -> None:
    if data.get("receipt_no"):
        doc.pair(lab["receipt"], str(data["receipt_no"]))
    when = data.get("at") or data.get("created_at")
    if when:
        doc.add(str(when))
    customer = data.get("customer") or {}
    if customer:
        name = customer.get("display_name") or ""
        number = customer.get("customer_number") or customer.get("number")
        doc.add(f"{lab['customer']}: {name}" + (f" ({number})" if number else ""))


def _balances(doc: Document, data: Mapping[str, Any], lab: Mapping[str, Any], money: Any) -> None:
    shown = [k for k in ("cash", "bonus") if data.get(k) is not None]
    if not shown and data.get("points") is None:
        return
    doc.add(lab["balances"], bold=True)
    for key in shown:
        doc.pair(f"  {lab[key]}", money(int(data[key])))
    if data.get("points") is not None:
        doc.pair(f"  {lab['points']}", str(int(data["points"])))


def checkout_receipt(
    box: Mapping[str, Any],
    checkout: Mapping[str, Any],
    *,
    locale: str = "de",
    width: int = 42,
    currency: str | None = None,
) -> Document:
    """The sale receipt from a checkout response (API.md shapes)."""
    lab = _labels(locale)
    cur = currency or str(checkout.get("currency") or "EUR")

    def money(v: int) -> str:
        return format_money(int(v), cur, locale)

    doc = Document("checkout", f"{lab['receipt']} {checkout.get('receipt_no', '')}".strip(), width)
    _header(doc, box)
    _meta(doc, checkout, lab)
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
            label = f"  {lab['discount']}" + (f" {format_quantity(pct, locale)} %" if pct else "")
            # Keep amounts in one column with the "€ A" of the item lines.
            doc.pair(label, money(-discount) + ("  " if suffix else ""))
    if checkout.get("points_discount"):
        doc.pair(lab["points_discount"], money(-int(checkout["points_discount"])))
    doc.rule()
    doc.pair(lab["total"], money(int(checkout.get("total", 0))), bold=True)
    vat = list(checkout.get("vat") or [])
    if vat:
        doc.blank()
        head = f"{lab['vat']:<10}{lab['net']:>10}{lab['vat']:>10}"
        doc.pair(head, lab["gross"])
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
        doc.pair(lab["from_bonus"], money(int(checkout["from_bonus"])))
    if checkout.get("from_cash"):
        doc.pair(lab["from_cash"], money(int(checkout["from_cash"])))
    for tender in checkout.get("tenders") or []:
        if tender.get("type") == "credit" or not tender.get("amount"):
            continue
        name = lab["tender"].get(str(tender.get("type")), str(tender.get("type")))
        doc.pair(name, money(int(tender["amount"])))
    if checkout.get("points_redeemed"):
        doc.pair(lab["points_redeemed"], str(int(checkout["points_redeemed"])))
    if checkout.get("points_earned"):
        doc.pair(lab["points_earned"], str(int(checkout["points_earned"])))
    balances = checkout.get("balances") or checkout
    _balances(doc, balances, lab, money)
    doc.blank()
    doc.add(lab["thanks"], align="center")
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
    lab = _labels(locale)
    cur = currency or str(topup.get("currency") or "EUR")

    def money(v: int) -> str:
        return format_money(int(v), cur, locale)

    doc = Document("topup", lab["topup"], width)
    _header(doc, box)
    doc.big(lab["topup"])
    _meta(doc, topup, lab)
    doc.rule()
    doc.pair(lab["topup_amount"], money(int(topup.get("amount", 0))), bold=True)
    if topup.get("bonus_granted"):
        doc.pair(lab["bonus_granted"], money(int(topup["bonus_granted"])))
    doc.rule()
    _balances(doc, topup, lab, money)
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
    lab = _labels(locale)
    cur = currency or str(payout.get("currency") or "EUR")

    def money(v: int) -> str:
        return format_money(int(v), cur, locale)

    doc = Document("payout", lab["payout"], width)
    _header(doc, box)
    doc.big(lab["payout"])
    _meta(doc, payout, lab)
    doc.rule()
    doc.pair(lab["payout_amount"], money(int(payout.get("amount", 0))), bold=True)
    doc.rule()
    _balances(doc, payout, lab, money)
    doc.blank()
    doc.blank()
    doc.add("_" * min(width, 32))
    doc.add(lab["signature"])
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
    lab = _labels(locale)
    doc = Document("status", lab["status"], width)
    _header(doc, box)
    doc.big(lab["status"])
    if version:
        doc.pair(lab["version"], version)
    for address in addresses:
        doc.add(f"{lab['address']}: {address}")
    doc.blank()
    doc.add(lab["fingerprint"] + ":", bold=True)
    # Colon-separated hex pairs break cleanly at a colon, never mid-pair.
    groups = [g for g in tls_fingerprint.split(":") if g]
    per_line = max(1, (width + 1) // 3)
    for i in range(0, len(groups), per_line):
        doc.add(":".join(groups[i : i + per_line]))
    doc.blank()
    doc.add(f"{lab['pairing']}: {pairing_hint}")
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
