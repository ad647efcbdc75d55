"""The running box as a request sees it: the one Flask-bound way to reach it.

``create_app`` stores the :class:`~edge.platform.box.Box` in
``app.extensions["tilledge"]``; API routes and panel views read it through
:func:`current_box`, which keeps ``edge.platform.box`` free of Flask. May
import flask and ``edge.platform``.
"""

from __future__ import annotations

from flask import current_app

from edge.platform.box import Box

__all__ = ["current_box"]


def current_box() -> Box:
    return current_app.extensions["tilledge"]  # type: ignore[no-any-return]
