"""The compiled gettext catalogs, loaded without Flask (receipts, display).

Message ids are stable keys (``topup_done``, ``slip_total``), not English
sentences: templates already call ``t("key")``, a reworded sentence does not
orphan its translation, and ``en`` is a catalog like ``de``. A missing
``.mo`` is a broken build, so loading one raises instead of silently
showing keys.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.support import Translations

CATALOG_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
LANGUAGES = ("de", "en")  # German first: the shops are

Gettext = Callable[[str], str]


class CatalogMissing(FileNotFoundError):
    """A language's compiled catalog is not there (``make setup`` compiles them)."""


def language(code: str) -> str:
    """``de``, ``de_DE``, ``de-AT`` → ``de``; anything else is English."""
    return "de" if code.lower().startswith("de") else "en"


def mo_path(lang: str) -> Path:
    return CATALOG_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


@cache
def translations(lang: str) -> Translations:
    """The catalog of ``lang`` (one of :data:`LANGUAGES`), loaded once."""
    if lang not in LANGUAGES:
        raise ValueError(f"no catalog for language {lang!r}")
    path = mo_path(lang)
    try:
        with path.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    except FileNotFoundError:
        raise CatalogMissing(f"{path} is missing: compile the catalogs (make setup)") from None


def require_compiled() -> None:
    """Raise :class:`CatalogMissing` unless every language's catalog loads."""
    for lang in LANGUAGES:
        translations(lang)


def N_(msgid: str) -> str:
    """Mark ``msgid`` for the extractor where the code translates it later."""
    return msgid


def translator(locale: str) -> Gettext:
    """``gettext`` of the language ``locale`` names (see :func:`language`)."""
    return translations(language(locale)).gettext
