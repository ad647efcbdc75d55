"""TillEdge: the edge service beside the till.

The packages, from the bottom up (each may import only those above it):

* ``edge.errors`` — the domain's one error family (no HTTP); imports nothing.
* ``edge.ledger`` — typed façade over the compiled money core (no Flask); its
  refusals are ``edge.errors`` domain errors.
* ``edge.platform`` — box, configuration, database, migrations, events, the
  clock and the version.
* ``edge.customers``, ``edge.money``, ``edge.invoices``, ``edge.subscriptions``,
  ``edge.security``, ``edge.devices``, ``edge.mail``, ``edge.sepa``,
  ``edge.doctor`` — the domain (``edge.invoices``: the house account;
  ``edge.subscriptions``: recurring invoices; ``edge.mail``: the SMTP outbox;
  ``edge.sepa``: SEPA direct debit; ``edge.doctor``: the box's checks, for
  ``tilledge doctor`` and the panel).
* ``edge.demo`` — the demo box and customer base, built on the domain.
* ``edge.api`` — the POS JSON API; ``web`` — the staff panel.
* ``edge.serving`` — the HTTP server, worker processes, discovery, the app factory.
* ``edge.cli`` — the ``tilledge`` command.

``drivers`` (the hardware) imports nothing of ``edge``. No project module takes
anything from this ``__init__``: the version is ``edge.platform.version``'s, and
``create_app`` is loaded on first use, so ``import edge.ledger`` stays free of
Flask. ``tests/test_architecture.py`` holds the code to this list.
"""

from typing import Any

from edge.platform.version import VERSION as __version__

__all__ = ["__version__", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from edge.serving.app import create_app

        return create_app
    raise AttributeError(f"module 'edge' has no attribute {name!r}")
