"""The printer-neutral receipt :class:`Document` and the formatting of what it holds.

A document is styled text lines for a fixed-column printer; money, rates and
quantities are written through :mod:`l10n` (integer minor units, never
floats, plain spaces: a printer's cells are fixed). Imports only :mod:`l10n`
and the standard library; layouts live in :mod:`drivers.receipts` and
:mod:`drivers.receipt_slips`, renderings in :mod:`drivers.receipt_render`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import l10n

__all__ = ["Align", "Document", "Line", "format_money", "format_quantity", "format_rate"]

Align = Literal["left", "center", "right"]


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
    # A QR code of this text instead of a text line (pairing on the boot slip);
    # ``text`` stays what a text-only rendering shows in its place.
    qr: str | None = None


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

    def qr(self, content: str, *, caption: str = "") -> None:
        """A centred QR code of ``content``; ``caption`` is its text stand-in."""
        self.lines.append(Line(caption or content, "center", qr=content))

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
            if line.qr is not None:  # text has no pictures: say what the code holds
                out.append(f"[QR] {fold(line.qr)}")
                continue
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
