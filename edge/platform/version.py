"""The box's version: the compiled money core's, which the wheel is built with.

Serving, the API, the panel and the CLI read it from here, so none of them has
to import the ``edge`` package's ``__init__`` (which loads the app factory on
demand). May import only ``edge._ledger_core``.
"""

from edge._ledger_core import VERSION

__all__ = ["VERSION"]
