"""The catalogs: every message id the code and templates use is translated in
both languages, the compiled .mo files match the .po files, and a missing
catalog stops loudly instead of showing keys."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import l10n
from l10n import catalogs
from tests.support.paths import ROOT

# The keywords of `make messages` (pybabel extract -k t): t("key") in the panel.
KEYWORDS = {**DEFAULT_KEYWORDS, "t": None}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def extracted_ids() -> set[str]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=())
    ids: set[str] = set()
    for _filename, _lineno, message, _comments, _context in found:
        ids.update([message] if isinstance(message, str) else [m for m in message if m])
    return ids


def po(lang: str) -> dict[str, str]:
    path = catalogs.CATALOG_DIR / lang / "LC_MESSAGES" / f"{catalogs.DOMAIN}.po"
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"{lang}: fuzzy entries {fuzzy}"
    return {str(m.id): str(m.string) for m in catalog if m.id}


@pytest.fixture(scope="module")
def used() -> set[str]:
    ids = extracted_ids()
    assert len(ids) > 300  # the extractor really read the code and the templates
    return ids


@pytest.mark.parametrize("lang", l10n.LANGUAGES)
def test_every_used_id_is_translated_and_none_is_dead(lang: str, used: set[str]) -> None:
    texts = po(lang)
    missing = sorted(used - texts.keys())
    assert not missing, f"{lang}.po lacks {missing} (make messages, then translate)"
    dead = sorted(texts.keys() - used)
    assert not dead, f"{lang}.po has ids no code uses: {dead}"
    empty = sorted(k for k, v in texts.items() if not v.strip())
    assert not empty, f"{lang}.po leaves {empty} untranslated"


def test_both_languages_fill_the_same_placeholders() -> None:
    de, en = po("de"), po("en")
    for key in de:
        assert set(PLACEHOLDER.findall(de[key])) == set(PLACEHOLDER.findall(en[key])), key


@pytest.mark.parametrize("lang", l10n.LANGUAGES)
def test_compiled_catalog_matches_its_po(lang: str) -> None:
    # A stale .mo (a .po edited without `make setup`) would show old texts.
    compiled = catalogs.translations(lang)
    for key, text in po(lang).items():
        assert compiled.gettext(key) == text, f"{lang}.mo is stale at {key!r}: make setup"


def test_receipt_and_display_texts_need_no_flask() -> None:
    _ = l10n.translator("de_DE")
    assert (_("slip_thanks"), _("pole_balance")) == ("Vielen Dank für Ihren Einkauf!", "Guthaben")
    assert l10n.translator("en")("slip_total") == "TOTAL"


@pytest.fixture
def no_catalogs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(catalogs, "CATALOG_DIR", tmp_path)
    catalogs.translations.cache_clear()
    yield
    catalogs.translations.cache_clear()


def test_a_missing_catalog_fails_loudly(no_catalogs: None) -> None:
    with pytest.raises(catalogs.CatalogMissing, match=r"messages\.mo is missing"):
        l10n.translator("de")
    with pytest.raises(catalogs.CatalogMissing):
        catalogs.require_compiled()


def test_the_panel_does_not_start_without_catalogs(no_catalogs: None) -> None:
    from flask import Flask

    from web import i18n

    with pytest.raises(catalogs.CatalogMissing):
        i18n.init_app(Flask(__name__))
