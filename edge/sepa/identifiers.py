"""IBAN, BIC and SEPA creditor identifier checks, with python-stdnum (the
library the customer fields already validate IBAN and BIC with).

The creditor identifier (Gläubiger-ID, ``DE98ZZZ09999999999``) is country,
two check digits, a three-character business code that the check ignores,
and the national id; the check digits are ISO 7064 mod 97-10 over the
national id + country + "00" — stdnum's ``eu.at_02``.
"""

from __future__ import annotations

from stdnum import bic as _bic
from stdnum import iban as _iban
from stdnum.eu import at_02 as _creditor_id


def compact(s: str) -> str:
    """Spaces removed, upper case: the form the file carries."""
    return "".join(s.split()).upper()


def valid_iban(s: str) -> bool:
    """Country format and mod-97 check digits."""
    return bool(s) and bool(_iban.is_valid(s))


def valid_bic(s: str) -> bool:
    """8 or 11 characters: bank, country, location, optional branch."""
    return bool(s) and bool(_bic.is_valid(s))


def valid_creditor_id(s: str) -> bool:
    """The check digits of a SEPA creditor identifier (business code ignored)."""
    c = compact(s)
    return 8 <= len(c) <= 35 and c[:2].isalpha() and bool(_creditor_id.is_valid(c))
