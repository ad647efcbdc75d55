"""Integer bounds of everything a client sends: row ids and range-checked ints.

Ids on the wire are SQLite rowids, 1..2^63−1, written in ASCII digits only
(``str.isdigit`` and pydantic's int parsing accept ``１`` and ``²`` too, and
SQLite raises ``OverflowError`` above 2^63−1). The API's URL converter, its
cursors and the pydantic request models all read ids through this module, so
a huge or foreign-digit id is refused at the edge, never deep inside a query.
Imports pydantic only.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictInt

MAX_ID = 2**63 - 1  # SQLite's INTEGER PRIMARY KEY maximum
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")
_ASCII_INT = re.compile(r"[+-]?[0-9]{1,40}")

__all__ = ["MAX_ID", "IdText", "RowId", "SmallInt", "parse_int", "parse_row_id"]


def parse_int(raw: str, minimum: int, maximum: int) -> int | None:
    """A typed integer (ASCII digits, optional sign) in minimum..maximum, else None."""
    text = raw.strip()
    if not _ASCII_INT.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def parse_row_id(raw: Any) -> int | None:
    """``raw`` as a row id (ASCII digits, 1..2^63−1), else None."""
    text = str(raw).strip()
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def _id_text(value: str) -> str:
    if parse_row_id(value) is None:
        raise ValueError("not an id (ASCII digits, 1..9223372036854775807)")
    return value.strip()


#: An id sent as a string (ids are opaque strings on the wire).
IdText = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(_id_text)]
#: An id sent as a JSON integer.
RowId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
#: A count or offset a client sends (no SQLite overflow, no huge OFFSET).
SmallInt = Annotated[StrictInt, Field(ge=0, le=10**12)]
