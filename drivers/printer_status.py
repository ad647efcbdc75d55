"""ESC/POS real-time status (``DLE EOT n``): the queries and what the answers mean.

A printer answers ``DLE EOT n`` with one byte as soon as the command reaches
it, even with a full print buffer, so an answer after a job proves the printer
took every byte before it. Bits as in the Epson ESC/POS reference (bits 1
and 4 are fixed 1, bits 0 and 7 fixed 0):

* ``n=1`` printer status: bit 3 — offline.
* ``n=2`` offline cause: bit 2 cover open, bit 5 printing stopped by paper
  end, bit 6 an error.
* ``n=4`` paper roll sensor: bits 2+3 near end, bits 5+6 paper end.

Standard library only; :mod:`drivers.printer` sends the queries.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "OFFLINE_CAUSE",
    "PAPER_SENSOR",
    "PRINTER_STATUS",
    "Verdict",
    "judge",
    "query",
]

PRINTER_STATUS, OFFLINE_CAUSE, PAPER_SENSOR = 1, 2, 4

_OFFLINE = 0x08
_COVER_OPEN, _PAPER_STOP, _ERROR = 0x04, 0x20, 0x40
_NEAR_END, _PAPER_END = 0x0C, 0x60


def query(n: int) -> bytes:
    """The ``DLE EOT n`` command."""
    return b"\x10\x04" + bytes([n])


@dataclass(frozen=True)
class Verdict:
    """What the answers say: ``ok`` | ``paper_out`` | ``offline`` and why."""

    state: str
    detail: str = ""
    near_end: bool = False


def judge(paper: int, printer: int, cause: int | None = None) -> Verdict:
    """The printer's state from its ``n=4``, ``n=1`` (and ``n=2``) answers."""
    near_end = paper & _NEAR_END == _NEAR_END
    if paper & _PAPER_END == _PAPER_END:
        return Verdict("paper_out", "paper end (DLE EOT 4)")
    if not printer & _OFFLINE:
        return Verdict("ok", "online", near_end)
    cause = cause or 0
    if cause & _PAPER_STOP:
        return Verdict("paper_out", "stopped at paper end (DLE EOT 2)")
    reasons = [
        text
        for bit, text in ((_COVER_OPEN, "cover open"), (_ERROR, "printer error"))
        if cause & bit
    ]
    return Verdict("offline", "offline: " + (", ".join(reasons) or "reported by DLE EOT 1"))
