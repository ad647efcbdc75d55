"""An invoice's amounts from its priced lines: line nets, the VAT breakdown
per rate, totals — consistent the way EN 16931 checks them (BR-CO-10/13/14/
15/17; see :mod:`edge.invoices.document`).

Prices are gross (SPEC §4): a rate's gross ``G`` is the sum of its line
totals (less its points share, already in the lines); ``vat =
round_half_up(G * r / (10000 + r))`` and ``net = G - vat`` as on the
receipt. EN 16931 recomputes VAT from the net (``round_half_up(net * r /
10000)``); where the two differ by a cent, the net moves by one cent so both
hold and ``G`` stays what the customer pays (where no such net exists the
receipt's split is kept: the rules allow a cent). Line nets share the rate's
net in proportion to the line totals, largest remainder first. In net mode
(reverse charge) every amount is net, VAT is 0 and the category is "AE".
Imports ``edge.invoices.document``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edge.invoices.document import DocumentLine, VatBreakdown

REVERSE_CHARGE_NOTE = "Steuerschuldnerschaft des Leistungsempfängers"


def round_half_up(num: int, den: int) -> int:
    """``num / den`` rounded half away from zero, in integers."""
    q = (2 * abs(num) + den) // (2 * den)
    return q if num >= 0 else -q


def distribute(target: int, weights: Sequence[int]) -> list[int]:
    """``target`` split in proportion to ``weights``: floors, then one unit
    each to the largest remainders (ties: the earlier)."""
    total = sum(weights)
    if total == 0:
        return [target if i == 0 else 0 for i in range(len(weights))]
    shares = [target * w // total for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(target * weights[i] % total), i))
    for i in order[: target - sum(shares)]:
        shares[i] += 1
    return shares


def split_gross(gross: int, rate_bp: int) -> tuple[int, int]:
    """``(net, vat)`` of a rate's gross, consistent in both directions when it can be."""
    vat = round_half_up(gross * rate_bp, 10000 + rate_bp)
    net = gross - vat
    for candidate in (net, net - 1, net + 1):
        if round_half_up(candidate * rate_bp, 10000) == gross - candidate:
            return candidate, gross - candidate
    return net, vat


@dataclass(frozen=True)
class PricedLine:
    """A stored, priced line: ``total`` is gross, or net in net mode."""

    description: str
    quantity_milli: int
    vat_rate_bp: int
    total: int
    sku: str = ""


@dataclass(frozen=True)
class Figures:
    lines: tuple[DocumentLine, ...]
    vat: tuple[VatBreakdown, ...]
    net: int
    vat_total: int
    gross: int


def figures(lines: Sequence[PricedLine], *, net_mode: bool) -> Figures:
    nets = [0] * len(lines)
    breakdown: list[VatBreakdown] = []
    if net_mode:
        nets = [ln.total for ln in lines]
        if lines:
            breakdown.append(VatBreakdown(0, "AE", sum(nets), 0, REVERSE_CHARGE_NOTE))
    else:
        for rate in sorted({ln.vat_rate_bp for ln in lines}, reverse=True):
            idx = [i for i, ln in enumerate(lines) if ln.vat_rate_bp == rate]
            gross = sum(lines[i].total for i in idx)
            net, vat = split_gross(gross, rate)
            for i, share in zip(idx, distribute(net, [lines[i].total for i in idx]), strict=True):
                nets[i] = share
            breakdown.append(VatBreakdown(rate, "S" if rate else "Z", net, vat))
    doc_lines = tuple(
        DocumentLine(
            position=i + 1,
            description=ln.description,
            quantity_milli=ln.quantity_milli,
            unit_net=round_half_up(net * 1000, ln.quantity_milli),
            net=net,
            vat_rate_bp=0 if net_mode else ln.vat_rate_bp,
            vat_category="AE" if net_mode else ("S" if ln.vat_rate_bp else "Z"),
            sku=ln.sku,
        )
        for i, (ln, net) in enumerate(zip(lines, nets, strict=True))
    )
    net_total = sum(b.net for b in breakdown)
    vat_total = sum(b.vat for b in breakdown)
    return Figures(doc_lines, tuple(breakdown), net_total, vat_total, net_total + vat_total)
