"""Words and numbers for people: the gettext catalogs and Babel formatting.

Owns the ``de``/``en`` catalogs (``translations/``, compiled to ``.mo`` at
build) and the one way money, numbers and dates are written. Imports only
Babel and the standard library, so ``drivers``, ``edge`` and ``web`` may all
use it; the panel reaches the same catalogs through Flask-Babel.
"""

from l10n.catalogs import (
    CATALOG_DIR,
    DOMAIN,
    LANGUAGES,
    N_,
    CatalogMissing,
    language,
    translator,
)
from l10n.formats import (
    day,
    decimal,
    figures,
    minor_units,
    money,
    number,
    percent,
    plain,
    time_of_day,
)

__all__ = [
    "CATALOG_DIR",
    "DOMAIN",
    "LANGUAGES",
    "N_",
    "CatalogMissing",
    "day",
    "decimal",
    "figures",
    "language",
    "minor_units",
    "money",
    "number",
    "percent",
    "plain",
    "time_of_day",
    "translator",
]
