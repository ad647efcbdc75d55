"""The SEPA character set (EPC: the Latin set ``A-Z a-z 0-9 / - ? : ( ) . , ' +``
and space) and the transliteration of other text into it.

German letters follow the banks' rule (ä→ae, ö→oe, ü→ue, ß→ss); ``&`` is
always "und": the files go to German banks and the box has no language of its
own for a customer's name. Other letters are folded with the standard
library's NFKD decomposition (é→e, č→c) plus a short table of letters that do
not decompose (ø, ł, æ, þ …) — no Unidecode, whose GPL and guesswork for
non-Latin scripts would not help a bank file; what is left outside the set
becomes a space. ``transliterate`` is idempotent and its output always
passes ``is_sepa_text``.
"""

from __future__ import annotations

import re
import unicodedata

_SEPA = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")
_OUTSIDE = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_SPACES = re.compile(r" {2,}")

# Applied before NFKD: the German umlauts must not lose their "e", and these
# letters have no decomposition. Every value is itself SEPA text.
_TABLE = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "Ä": "Ae",
        "Ö": "Oe",
        "Ü": "Ue",
        "ß": "ss",
        "ẞ": "SS",
        "&": " und ",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "Ae",
        "œ": "oe",
        "Œ": "Oe",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        '"': "'",
        "“": "'",
        "”": "'",
        "„": "'",
        "«": "'",
        "»": "'",
        "–": "-",
        "—": "-",
        "_": "-",
        ";": ",",
        "!": ".",
        "€": "EUR",
        "@": "(at)",
    }
)


def is_sepa_text(s: str) -> bool:
    """Only characters of the SEPA set (the empty string included)."""
    return _SEPA.fullmatch(s) is not None


def transliterate(s: str) -> str:
    """``s`` in the SEPA set: German rules, folded accents, the rest a space;
    runs of spaces collapse and the ends are trimmed."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFC", s).translate(_TABLE))
    kept = "".join(c for c in folded if not unicodedata.combining(c))
    return _SPACES.sub(" ", _OUTSIDE.sub(" ", kept)).strip()


def cut(s: str, limit: int) -> str:
    """``s`` transliterated and cut to ``limit`` characters (no trailing space)."""
    return transliterate(s)[:limit].rstrip()
