"""What a journal entry is to the people who read it: its ``kind``.

The type codes of SPEC §2 are fixed and say which account an entry moves, not
why: a Usage entry is a payment when negative and a refund when positive (it
then reverses the payment's entry), a negative Top-up is a void, a negative
Earned is points taken back for a refund. The kind names that, from the type
code and the sign alone, so entries written before it existed get it too.
Imports nothing of the project.
"""

from __future__ import annotations

# code: (kind of a positive entry, kind of a negative one)
_CREDIT: dict[int, tuple[str, str]] = {
    0: ("topup", "void"),
    1: ("refund", "payment"),
    2: ("correction", "correction"),
    3: ("bonus_grant", "void"),
    4: ("refund", "payment"),
    5: ("payout", "payout"),
}
# Redeemed points are never given back (a refund restores money, not
# points), so both signs of code 1 read "redeemed".
_POINTS: dict[int, tuple[str, str]] = {
    0: ("points_earned", "points_clawback"),
    1: ("points_redeemed", "points_redeemed"),
    2: ("correction", "correction"),
}

KINDS: tuple[str, ...] = tuple(
    dict.fromkeys(k for t in (_CREDIT, _POINTS) for p in t.values() for k in p)
)


def kind(account: str, code: int, amount: int) -> str:
    """The entry's kind, e.g. ``payment``, ``refund``, ``points_clawback``."""
    table = _POINTS if account == "points" else _CREDIT
    positive, negative = table.get(code, (str(code), str(code)))
    return positive if amount >= 0 else negative
