"""The POS API (``/api/v1``).

:data:`edge.api.registry.api` is the one :class:`~edge.api.registry.Api` every
route module adds to; :mod:`edge.api.routes` is the one place that loads them
all (the app factory registers its blueprint). Importing this package loads
nothing, so ``edge.api.auth`` or ``edge.api.problems`` come without the routes.
May import flask and the layers below (``edge/__init__.py``).
"""
