"""Card identifiers: the one rule for how a card UID is written.

A card carries an NFC UID or a printed number (SPEC §6); both are stored,
looked up and announced as upper-case hex without separators (digits are hex
too). Readers, the emulator, the service's card records and search all use
:func:`normalize_uid`, so a UID read from a reader always matches the record
a cashier typed. Standard library only: ``edge`` imports it (drivers import
nothing from ``edge``), and importing it loads no hardware library.
"""

from __future__ import annotations

__all__ = ["MAX_CHARS", "nfc_uid", "normalize_uid"]

MAX_CHARS = 64
_SEPARATORS = str.maketrans("", "", ":-._ \t\n\r")
_HEX = frozenset("0123456789ABCDEF")
_NFC_MAX_BYTES = 10  # ISO 14443 UIDs are 4, 7 or 10 bytes; FeliCa IDm 8; type B PUPI 4


def normalize_uid(value: str | bytes | bytearray) -> str:
    """A card UID or printed number as stored: upper-case hex, separators removed.

    Takes the bytes a reader read, or text such as ``"04:a1:b2:c3"``,
    ``"04 A1 B2 C3"``, ``"04-a1-b2-c3"``, ``"0x04a1b2c3"`` or ``"10001"``.
    Raises :class:`ValueError` for an empty value, more than 64 characters,
    or anything but hex digits.
    """
    if isinstance(value, bytes | bytearray):
        text = bytes(value).hex().upper()
    else:
        text = str(value).strip().translate(_SEPARATORS).upper().removeprefix("0X")
    if not text:
        raise ValueError("empty card UID")
    if len(text) > MAX_CHARS:
        raise ValueError(f"card UID longer than {MAX_CHARS} characters")
    if not _HEX.issuperset(text):
        raise ValueError(f"not a hex card UID (0-9, A-F) or printed number: {text!r}")
    return text


def nfc_uid(value: str | bytes | bytearray) -> str:
    """:func:`normalize_uid` of a UID a reader can see: 1..10 whole bytes."""
    uid = normalize_uid(value)
    if len(uid) % 2 or len(uid) > 2 * _NFC_MAX_BYTES:
        raise ValueError(f"an NFC card UID is 1..{_NFC_MAX_BYTES} whole bytes of hex: {uid!r}")
    return uid
