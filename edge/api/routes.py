"""Every route module of the POS API, loaded: :data:`api` here is complete.

Route modules add their operations to :data:`edge.api.registry.api` on import;
the app factory (and tests that read the operation list) import :data:`api`
from here, so no route is ever missing. May import every ``edge.api`` module.
"""

from edge.api import (  # noqa: F401  (imported for their routes)
    addresses,
    cards,
    customer_exports,
    customers,
    devices,
    documents,
    events,
    gdpr,
    groups,
    health,
    history_views,
    invoices,
    money,
    pairing,
    sepa,
    subscriptions,
)
from edge.api.registry import api

__all__ = ["api"]
