"""The one card-UID rule (drivers.uids): readers, the emulator and card records share it."""

from __future__ import annotations

import pytest

from drivers.uids import nfc_uid, normalize_uid
from edge.customers.normalize import FieldError
from edge.customers.normalize import normalize_uid as customer_uid

UID = "04A1B2C3D4E5F6"


@pytest.mark.parametrize(
    "text",
    [
        "04:a1:b2:c3:d4:e5:f6",
        "04 A1 B2 C3 D4 E5 F6",
        "04a1b2c3d4e5f6",
        " 04-A1-b2-C3-d4-E5-f6\n",
        "04.a1.b2_c3.d4_e5.f6",
        "0x04A1B2C3D4E5F6",
    ],
)
def test_common_spellings_are_one_uid(text: str) -> None:
    assert normalize_uid(text) == UID
    assert nfc_uid(text) == UID
    assert customer_uid(text) == UID  # the card records use the same rule


def test_bytes_from_a_reader() -> None:
    assert normalize_uid(bytes.fromhex("deadbeef")) == "DEADBEEF"
    assert normalize_uid(bytearray(b"\x04\xa1")) == "04A1"


def test_printed_numbers_are_any_length_up_to_64() -> None:
    assert normalize_uid("10001") == "10001"  # odd length: a printed number, not bytes
    assert normalize_uid("00" * 11) == "00" * 11
    assert normalize_uid("F" * 64) == "F" * 64
    with pytest.raises(ValueError, match="longer than 64"):
        normalize_uid("F" * 65)


@pytest.mark.parametrize("bad", ["", "::", " - ", "zz11", "xyz", "04:A1:G0", "0x"])
def test_not_a_uid(bad: str) -> None:
    with pytest.raises(ValueError):
        normalize_uid(bad)
    with pytest.raises(FieldError):  # a field error for the API and the panel
        customer_uid(bad)


def test_error_names_the_problem() -> None:
    with pytest.raises(ValueError, match="empty card UID"):
        normalize_uid(": :")
    with pytest.raises(ValueError, match="not a hex card UID"):
        normalize_uid("xyz")


@pytest.mark.parametrize("bad", ["04:A1:B", "00" * 11, "10001"])
def test_nfc_uid_is_whole_bytes_up_to_ten(bad: str) -> None:
    assert normalize_uid(bad)  # a valid card number ...
    with pytest.raises(ValueError, match="whole bytes"):
        nfc_uid(bad)  # ... but no reader can read it
    assert nfc_uid("0102030405060708090A") == "0102030405060708090A"
