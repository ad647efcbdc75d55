import pytest

from edge.sepa.identifiers import valid_bic, valid_creditor_id, valid_iban


def test_creditor_id_check_digits() -> None:
    assert valid_creditor_id("DE98ZZZ09999999999")
    assert valid_creditor_id("de98 zzz 0999 9999 999")
    # The three-character business code is not part of the check.
    assert valid_creditor_id("DE98ABC09999999999")


@pytest.mark.parametrize(
    "bad", ["DE99ZZZ09999999999", "DE98ZZZ09999999998", "", "DE98", "9898ZZZ09999999999"]
)
def test_bad_creditor_ids(bad: str) -> None:
    assert not valid_creditor_id(bad)


def test_iban_check_digits() -> None:
    assert valid_iban("DE89370400440532013000")
    assert valid_iban("DE89 3704 0044 0532 0130 00")
    assert not valid_iban("DE89370400440532013001")
    assert not valid_iban("")


def test_bic_format() -> None:
    assert valid_bic("COBADEFFXXX") and valid_bic("COBADEFF")
    assert not valid_bic("COBA1EFF") and not valid_bic("COBADEF") and not valid_bic("")
