"""The printed page every invoice document shares: an A4 PDF/A-3b written by
fpdf2, DejaVu Sans embedded, the sender line, the two address blocks and a
key/value block, and helpers for amounts and dates in the document's language.

fpdf2 is pure Python (with fontTools and Pillow, both wheels on a Raspberry
Pi), small and fast enough to write an invoice in tens of milliseconds, and it
writes what PDF/A needs itself (embedded subset fonts, the sRGB output intent,
the XMP ``pdfaid`` entry). WeasyPrint would bring Pango/cairo and an HTML
engine for one table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

from fpdf import FPDF

import l10n
from edge.invoices.document import Party, PostalAddress

# fonts-dejavu-core (Debian); the box's image and CI install it.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVuSans"
LANG_TAGS = {"de": "de-DE", "en": "en-GB"}
LEFT = 20.0  # mm; DIN 5008-ish margins
WIDTH = 170.0


class FontMissing(RuntimeError):
    """The DejaVu fonts (Debian package fonts-dejavu-core) are not installed."""


class Page(FPDF):
    """An A4 PDF/A-3b document with the footer line ``footer_text``."""

    def __init__(self, lang: str, footer_text: str) -> None:
        super().__init__(format="A4", unit="mm", enforce_compliance="PDF/A-3B")
        self.language = l10n.language(lang)
        self._ = l10n.translator(self.language)
        self.footer_text = footer_text
        for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf")):
            path = FONT_DIR / name
            if not path.is_file():
                raise FontMissing(f"{path} is missing: install fonts-dejavu-core")
            self.add_font(FONT, style, str(path))
        self.set_lang(LANG_TAGS[self.language])
        self.set_margins(LEFT, 20, 20)
        self.set_auto_page_break(True, margin=22)
        self.set_font(FONT, size=9)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, size=7)
        self.cell(WIDTH / 2, 4, self.footer_text)
        page = self._("einvoice_page").format(page=self.page_no())
        self.cell(WIDTH / 2, 4, page, align="R")

    def money(self, minor: int, currency: str) -> str:
        return l10n.money(int(minor), currency, self.language)

    def day(self, value: date) -> str:
        return l10n.day(value, self.language)

    def stamp(self, issued: date, title: str, author: str) -> None:
        """Document info (and so the XMP): the issue date, not the clock, so the
        same document renders to the same metadata."""
        self.set_title(title)
        self.set_author(author)
        self.set_creator("TillEdge")
        self.set_creation_date(datetime.combine(issued, time(12), tzinfo=UTC))

    def letterhead(self, seller: Party, buyer: Party) -> None:
        """Sender line, the buyer's address and the seller's block beside it."""
        a = seller.address
        self.set_font(FONT, size=7)
        self.cell(WIDTH, 4, " · ".join(p for p in (seller.name, a.line1, _city(a)) if p))
        self.ln(6)
        top = self.get_y()
        self.set_font(FONT, size=10)
        self.multi_cell(85, 5, "\n".join(address_lines(buyer, home=a.country)))
        self.set_xy(LEFT + 100, top)
        self.set_font(FONT, "B", 10)
        self.multi_cell(70, 5, seller.name)
        self.set_x(LEFT + 100)
        self.set_font(FONT, size=8)
        self.multi_cell(70, 4, "\n".join(self.seller_lines(seller)))
        self.set_y(max(self.get_y(), top + 30) + 6)

    def seller_lines(self, seller: Party) -> list[str]:
        _ = self._
        lines = address_lines(seller, home=seller.address.country)[1:]
        if seller.email:
            lines.append(seller.email)
        if seller.vat_id:
            label = _("einvoice_vat_id")
            lines.append(f"{label} {seller.vat_id}")
        if seller.tax_number:
            label = _("einvoice_tax_number")
            lines.append(f"{label} {seller.tax_number}")
        return lines

    def heading(self, text: str) -> None:
        self.set_font(FONT, "B", 14)
        self.cell(WIDTH, 8, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, size=9)

    def facts(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label/value pairs, one a line (number, dates, customer number)."""
        for label, value in rows:
            self.set_font(FONT, size=9)
            self.cell(45, 5, label)
            self.set_font(FONT, "B", 9)
            self.cell(WIDTH - 45, 5, value, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, size=9)
        self.ln(3)

    def paragraph(self, text: str, *, bold: bool = False, size: float = 9) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(WIDTH, 4.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, size=9)
        self.ln(1.5)

    def sums(self, rows: Sequence[tuple[str, str, bool]]) -> None:
        """Right-aligned total lines: (label, amount, bold)."""
        for label, value, bold in rows:
            self.set_font(FONT, "B" if bold else "", 9)
            self.cell(WIDTH - 35, 5, label, align="R")
            self.cell(35, 5, value, align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, size=9)
        self.ln(3)


def _city(a: PostalAddress) -> str:
    return " ".join(p for p in (a.postcode, a.city) if p)


def address_lines(party: Party, home: str = "") -> list[str]:
    """Name, contact, street, town; the country only when it is not ``home``."""
    a = party.address
    lines = [party.name]
    if party.contact:
        lines.append(party.contact)
    lines += [p for p in (a.line1, a.line2, _city(a)) if p]
    if a.country and a.country != home:
        lines.append(a.country)
    return lines
