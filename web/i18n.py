"""The panel's language and its texts, through Flask-Babel.

The texts are the shared gettext catalogs of :mod:`l10n` (message ids are
keys; templates call ``t("key", name=…)`` with ``{name}`` placeholders). The
language is the one picked on this device (a cookie, so it survives logging
out and in) or else the best match of the browser's Accept-Language (German
first: the shops are).
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import Babel, gettext

from l10n import CATALOG_DIR, DOMAIN, LANGUAGES
from l10n.catalogs import require_compiled

LANG_COOKIE = "tilledge_lang"

__all__ = ["LANGUAGES", "LANG_COOKIE", "has", "init_app", "lang", "t"]


def init_app(app: Flask) -> None:
    """Point Flask-Babel at the catalogs; a build without them stops here."""
    require_compiled()
    Babel(
        app,
        locale_selector=lang,
        default_domain=DOMAIN,
        default_translation_directories=str(CATALOG_DIR),
    )


def lang() -> str:
    """The user's pick (cookie) or the browser's best match, German by default."""
    if "lang" not in g:
        picked = request.cookies.get(LANG_COOKIE)
        if picked in LANGUAGES:
            g.lang = picked
        else:
            g.lang = request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]
    return str(g.lang)


def t(key: str, **kwargs: object) -> str:
    """The text of ``key`` in the request's language (the key itself if it has none)."""
    text = gettext(key)
    return text.format(**kwargs) if kwargs else text


def has(key: str) -> bool:
    """Whether the catalog translates ``key`` (ids are keys, so a text differs from it)."""
    return gettext(key) != key
