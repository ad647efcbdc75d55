"""Text rules for everything a person types: names, free text, reasons.

A stored string is NFC-normalised (so ``é`` typed two ways is one name) and
holds no character that changes how *other* text is shown: C0/C1 controls
(NUL, ESC, CR, …), the bidi overrides and isolates U+202A–202E and
U+2066–2069 (the "Trojan Source" trick that makes a name read backwards),
and the invisible U+200B, U+2060 and U+FEFF. Multi-line fields (notes) keep
LF and TAB; a CR LF from a browser's textarea becomes LF.

ZWJ and ZWNJ (U+200D, U+200C) are refused too, except where IDNA's CONTEXTJ
rule (RFC 5892, appendix A.1/A.2) needs them: right after a virama, as in
Devanagari or Malayalam conjuncts. Emoji ZWJ sequences are refused — a
customer name on a till has no need of them and they hide look-alikes.

The pydantic types :data:`SingleLine` and :data:`MultiLine` apply the rules
in the request models, so the API and the panel refuse alike. Imports pydantic.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

__all__ = ["MultiLine", "SingleLine", "TextRefused", "clean_text", "first_free"]

_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 and C1 without TAB and LF
_REFUSED = re.compile(f"[{_CONTROLS}\t\n\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]")
_REFUSED_MULTI = re.compile(f"[{_CONTROLS}\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]")
_JOINERS = re.compile("[\u200c\u200d]")
VIRAMA = 9  # canonical combining class of a virama (RFC 5892 CONTEXTJ)


class TextRefused(ValueError):
    """A character the rules refuse; ``str()`` names it."""


def _name(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'control character')}"


def clean_text(value: str, *, multiline: bool = False) -> str:
    """``value`` NFC-normalised, or :class:`TextRefused` naming the first bad character."""
    if multiline:
        value = value.replace("\r\n", "\n")
    text = unicodedata.normalize("NFC", value)
    bad = (_REFUSED_MULTI if multiline else _REFUSED).search(text)
    if bad is not None:
        raise TextRefused(f"contains {_name(bad.group())}, which is not allowed here")
    for joiner in _JOINERS.finditer(text):
        at = joiner.start()
        if at == 0 or unicodedata.combining(text[at - 1]) != VIRAMA:
            raise TextRefused(f"contains {_name(joiner.group())} outside a conjunct")
    return text


def _validator(multiline: bool) -> Any:
    def check(value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return clean_text(value, multiline=multiline)
        except TextRefused as e:
            # Its own error type, so the panel can show its sentence per field.
            raise PydanticCustomError("text_refused", str(e)) from e

    return AfterValidator(check)


#: Add to an ``Annotated[str, …]`` of a single-line field (names, reasons).
SingleLine = _validator(multiline=False)
#: Add to an ``Annotated[str, …]`` of a multi-line field (notes, memos).
MultiLine = _validator(multiline=True)


def first_free(wanted: str, taken: set[str], *, max_len: int = 64) -> str:
    """``wanted``, or the first ``wanted (n)`` whose casefold is not in
    ``taken`` (names unique for people: terminals since m007)."""
    if wanted.casefold() not in taken:
        return wanted
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = wanted[: max_len - len(suffix)] + suffix
        if candidate.casefold() not in taken:
            return candidate
        n += 1
