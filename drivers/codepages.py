"""Fitting Unicode text into a device's 8-bit character table.

Shared by the customer display and the receipt printer: keep a character
when the page has it, else transliterate it (€→EUR only where the page has
no €, ä→ae only where it has no ä, accents dropped), and only when nothing
fits print ``?`` — and log it, once per character and page.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from functools import lru_cache

log = logging.getLogger(__name__)

__all__ = ["TRANSLIT", "encodable", "fold"]

TRANSLIT = {
    "€": "EUR",
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "Ä": "Ae",
    "Ö": "Oe",
    "Ü": "Ue",
    "ß": "ss",
    "ẞ": "SS",
    "£": "GBP",
    "×": "x",
    "–": "-",
    "—": "-",
    "‚": ",",
    "„": '"',
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "…": "...",
    "•": "*",
    "ł": "l",
    "Ł": "L",
    "ø": "o",
    "Ø": "O",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "đ": "d",
    "Đ": "D",
    "\u00a0": " ",
}

_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


@lru_cache(maxsize=4096)
def encodable(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def fold(text: str, codec: str, *, where: str = "") -> str:
    """``text`` using only characters ``codec`` can encode; control
    characters become spaces (on a device they would be commands)."""
    out: list[str] = []
    for ch in text:
        if ch < " " or ch == "\x7f":
            out.append(" ")
        elif encodable(ch, codec):
            out.append(ch)
        elif ch in TRANSLIT and all(encodable(c, codec) for c in TRANSLIT[ch]):
            out.append(TRANSLIT[ch])
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            if base and all(encodable(c, codec) for c in base):
                out.append(base)
                continue
            with _warned_lock:
                first = (ch, codec) not in _warned
                _warned.add((ch, codec))
            if first:
                log.warning("%s: no glyph for %r in %s, printing '?'", where or codec, ch, codec)
            out.append("?")
    return "".join(out)
