"""TillEdge: the edge service beside the till.

The packages, from the bottom up (each may import only those above it):

* ``edge.errors`` — the domain's one error family (no HTTP).
* ``edge.ledger`` — typed façade over the compiled money core (no Flask); its
  refusals are ``edge.errors`` domain errors.
* ``edge.platform`` — box, configuration, database, migrations, events.
* ``edge.customers``, ``edge.money``, ``edge.security``, ``edge.devices`` — the domain.
* ``edge.api`` — the POS JSON API; ``web`` — the staff panel.
* ``edge.serving`` — the HTTP server, worker processes, discovery, the app factory.
* ``edge.cli`` — the ``tilledge`` command.

``create_app`` is loaded on first use, so ``import edge.ledger`` stays free of Flask.
"""

from typing import Any

from edge._ledger_core import VERSION as __version__

__all__ = ["__version__", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from edge.serving.app import create_app

        return create_app
    raise AttributeError(f"module 'edge' has no attribute {name!r}")
