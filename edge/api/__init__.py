"""The POS API (``/api/v1``): one :class:`Api` that every route module adds to."""

from edge.api.registry import Api

api = Api()

# Route modules register themselves on import.
from edge.api import (  # noqa: E402,F401
    cards,
    customers,
    devices,
    events,
    groups,
    health,
    history_views,
    money,
    pairing,
)
