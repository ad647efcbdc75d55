"""TillEdge: the edge service beside the till.

``create_app`` builds the Flask application; ``edge.ledger`` is the typed
façade over the compiled money core.
"""

from ._ledger_core import VERSION as __version__
from .app import create_app

__all__ = ["__version__", "create_app"]
