"""Receipt documents rendered for paper: ESC/POS bytes and a picture of the paper.

Pure functions of a :class:`drivers.receipts.Document` (no I/O), so the bytes a
printer gets are tested exactly and the simulated printer shows what the paper
would. May import python-escpos, Pillow, segno and ``drivers.codepages``/``receipts``.

A QR line is sent as the printer's own 2D-code command (``GS ( k``, model 2)
when its escpos profile lists ``qrCode``: a hundred bytes, drawn at the
printer's resolution. Printers whose profile does not (many 58 mm clones) get
the same code as a raster image drawn here with segno, which every ESC/POS
printer prints, at the cost of a few kilobytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import segno
from escpos.constants import QR_ECLEVEL_M as QR_EC_M
from escpos.printer import Dummy
from PIL import Image, ImageDraw, ImageFont

from drivers.codepages import fold
from drivers.receipts import Document

__all__ = ["CODECS", "QR_DOTS", "qr_image", "render_escpos", "render_png"]

#: Printer dots per QR module: a pairing URL (version 4-6) comes out 2-3 cm
#: wide on a 203 dpi printer, easy for a phone or till camera.
QR_DOTS = 6

# Python codec for each ESC/POS code table name python-escpos knows.
CODECS = {"CP437": "cp437", "CP850": "cp850", "CP858": "cp858", "CP852": "cp852"}
CODECS.update({"CP1252": "cp1252", "CP866": "cp866", "ISO_8859-15": "iso8859_15"})


def render_escpos(doc: Document, *, profile: str = "default", codepage: str = "CP858") -> bytes:
    """ESC/POS bytes for ``doc``: init, code table, styled lines, cut."""
    codec = CODECS.get(codepage.upper())
    if codec is None:
        raise ValueError(f"unsupported printer code page {codepage!r}; choose from {CODECS}")

    def paper(text: str) -> str:
        return fold(text, codec, where=f"printer {codepage}")

    p = Dummy(profile=profile)
    p.hw("INIT")
    p.charcode(codepage.upper())
    style: tuple[str, bool, bool] | None = None
    native_qr = p.profile.supports("qrCode")
    for line in doc.lines:
        if line.qr is not None:
            p.set_with_default(align="center")
            style = ("center", False, False)
            if native_qr:
                p.qr(line.qr, ec=QR_EC_M, size=QR_DOTS, native=True)
                p.ln()
            else:
                p.image(qr_image(line.qr, QR_DOTS))
            continue
        wanted = (line.align, line.bold, line.double)
        if wanted != style:
            p.set_with_default(
                align=line.align,
                bold=line.bold,
                double_width=line.double,
                double_height=line.double,
            )
            style = wanted
        # Pairs are padded here (after folding: "€"→"EUR" changes widths);
        # other lines are aligned by the printer itself (ESC a).
        text = (
            doc.render_line(line, paper)
            if line.right is not None
            else paper(line.text)[: doc.columns_of(line)]
        )
        p.textln(text)
    if style != ("left", False, False):
        p.set_with_default()
    if doc.cut:
        p.cut()
    return bytes(p.output)


def qr_image(content: str, scale: int, border: int = 2) -> Image.Image:
    """``content`` as a black-on-white QR code, ``scale`` pixels a module."""
    code = segno.make(content, error="m")
    rows = list(code.matrix_iter(scale=scale, border=border))
    img = Image.new("1", (len(rows[0]), len(rows)), 1)
    img.putdata([0 if dark else 1 for row in rows for dark in row])
    return img


_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")


def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf"
    for folder in _FONT_DIRS:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    # Pillow's bundled font: proportional, but always there.
    return ImageFont.load_default(size)


def render_png(
    doc: Document,
    fold_text: Callable[[str], str] = str,
    *,
    cell: tuple[int, int] = (12, 24),
    margin: int = 16,
) -> Image.Image:
    """A paper-like picture of ``doc``: monospace cells of ``cell`` pixels
    (12×24 = font A of an 80 mm thermal printer), double lines twice as big."""
    cw, ch = cell
    width = doc.width * cw + 2 * margin
    codes = {id(line): qr_image(line.qr, 4) for line in doc.lines if line.qr is not None}
    height = 2 * margin + ch
    for line in doc.lines:
        code = codes.get(id(line))
        height += code.height if code else ch * (2 if line.double else 1)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    y = margin
    for line in doc.lines:
        code = codes.get(id(line))
        if code is not None:
            img.paste(code.convert("L"), ((width - code.width) // 2, y))
            y += code.height
            continue
        scale = 2 if line.double else 1
        font = _font(int(ch * 0.8) * scale, line.bold)
        x = margin
        for char in doc.render_line(line, fold_text):
            draw.text((x, y), char, fill=0, font=font)
            x += cw * scale
        y += ch * scale
    if doc.cut:
        for x in range(0, width, 12):
            draw.line([(x, height - ch // 2), (x + 6, height - ch // 2)], fill=128)
    return img
