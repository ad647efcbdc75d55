"""The customer base (SPEC §6): records, validation, search, cards, groups.

Other services should use:

- :func:`service.load_for_money` → :class:`service.MoneyCustomer` (status,
  blocked/lock_text, effective discount, group, points_blocked,
  reverse_charge) and its ``require_transactable()``;
- :func:`cards.tap` to resolve a card UID (blocked/lost never resolve);
- :func:`service.touch_last_visit` after a payment or checkout;
- :func:`normalize.normalize_uid` for UIDs read from a reader.
"""

from edge.customers.cards import tap
from edge.customers.normalize import normalize_uid
from edge.customers.service import MoneyCustomer, load_for_money, touch_last_visit

__all__ = ["MoneyCustomer", "load_for_money", "normalize_uid", "tap", "touch_last_visit"]
