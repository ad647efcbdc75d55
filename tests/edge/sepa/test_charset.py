from hypothesis import given, settings
from hypothesis import strategies as st

from edge.sepa.charset import cut, is_sepa_text, transliterate

PROPERTY = settings(max_examples=300, deadline=None, database=None)


def test_german_letters_and_ampersand() -> None:
    assert transliterate("Müller & Söhne, Straße Ä Ö Ü") == "Mueller und Soehne, Strasse Ae Oe Ue"
    assert transliterate("A&B") == "A und B"


def test_accents_fold_and_the_rest_becomes_a_space() -> None:
    assert transliterate("Chloé Dvořák, Øresund Łódź") == "Chloe Dvorak, Oresund Lodz"
    assert transliterate("a*b#c  d\n") == "a b c d"
    assert transliterate("Иван") == ""  # nothing of the set left: the pre-flight refuses


def test_decomposed_umlaut_is_the_same_as_the_composed_one() -> None:
    assert transliterate("Mu\u0308ller") == "Mueller"


def test_the_set() -> None:
    assert is_sepa_text("AZaz09/-?:().,'+ ")
    assert not is_sepa_text("Ä")
    assert not is_sepa_text("&")
    assert not is_sepa_text("a_b")


def test_cut_counts_after_transliteration() -> None:
    assert cut("ä" * 40, 70) == "ae" * 35
    assert cut("ab " + "c" * 80, 3) == "ab"  # no trailing space


@PROPERTY
@given(st.text())
def test_output_is_always_sepa_text_and_idempotent(s: str) -> None:
    out = transliterate(s)
    assert is_sepa_text(out)
    assert transliterate(out) == out
    assert out == out.strip() and "  " not in out


@PROPERTY
@given(st.text(alphabet="AZaz09/-?:().,'+", min_size=1))
def test_sepa_text_passes_unchanged(s: str) -> None:
    assert transliterate(s) == s
