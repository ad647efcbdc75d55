"""The panel's one Flask blueprint, which every page module adds its views to.

Kept apart from ``web/__init__.py`` (which loads the page modules in
``init_app``) so a page module importing :data:`bp` never imports the package
that imports it. May import flask only.
"""

from flask import Blueprint

# templates/ and static/ are found beside this module, in web/.
bp = Blueprint("web", __name__, template_folder="templates", static_folder="static")

__all__ = ["bp"]
