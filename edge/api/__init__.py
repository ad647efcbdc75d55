"""The POS API (``/api/v1``): one :class:`Api` that every route module adds to."""

from .registry import Api

api = Api()

# Route modules register themselves on import.
from . import events, history_views, money  # noqa: E402,F401
from . import health, pairing  # noqa: E402,F401
from . import cards, customers, groups  # noqa: E402,F401  (customer base)
from . import devices  # noqa: E402,F401  (till hardware)
