"""The edge's bounds one by one: JSON depth without parsing, row ids in ASCII
digits, and the text rules for names and free text (issue #15)."""

from __future__ import annotations

import json

import pytest

from edge.api.bounds import MAX_DEPTH, check_depth
from edge.api.problems import ApiError
from edge.platform.bounds import MAX_ID, parse_int, parse_row_id
from edge.platform.text import TextRefused, clean_text
from tests.support.panel import make_customer


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _refusal(body: str) -> int:
    with pytest.raises(ApiError) as caught:
        check_depth(body)
    return caught.value.status


def test_depth_up_to_the_limit_passes() -> None:
    check_depth(_nested(MAX_DEPTH))
    check_depth(json.dumps({"lines": [{"a": [1, {"b": []}]}] * 5000}))  # wide, not deep
    check_depth('{"name": "' + "[" * 10_000 + '"}')  # brackets in a string do not count
    check_depth(json.dumps({"x": '\\"[[[' * 50}))  # nor after escaped quotes


def test_deeper_is_a_422_and_broken_brackets_a_400() -> None:
    assert _refusal(_nested(MAX_DEPTH + 1)) == 422
    assert _refusal('{"a": ' * 5000) == 400  # never closed
    assert _refusal("[]" * 40 + "]") == 400  # closed more often than opened
    assert _refusal('["' + "[" * 100) == 400  # a string that never ends


def test_row_ids_are_ascii_digits_in_sqlite_range() -> None:
    assert parse_row_id("1") == 1 and parse_row_id(" 42 ") == 42
    assert parse_row_id(str(MAX_ID)) == MAX_ID
    for bad in ("0", "-1", str(MAX_ID + 1), str(10**30), "\uff11", "\u00b2", "\u0661", "", "1e3"):
        assert parse_row_id(bad) is None, bad
    assert parse_int("-12", -100, 100) == -12
    assert parse_int("\uff11", 0, 9) is None and parse_int("101", 0, 100) is None


@pytest.mark.parametrize(
    "text",
    ["a\x00b", "a\x1b[2Jb", "a\rb", "a\nb", "a\tb", "a\x85b", "a\u202eb", "a\u2066b", "a\u200bb",
     "a\ufeffb", "a\u200db", "\u200cab"],
)  # fmt: skip
def test_single_line_text_refuses_controls_bidi_and_invisibles(text: str) -> None:
    with pytest.raises(TextRefused):
        clean_text(text)


def test_text_is_nfc_and_multiline_keeps_lf_and_tab() -> None:
    assert clean_text("Mu\u0308ller") == "M\u00fcller"
    assert clean_text("a\r\nb\tc", multiline=True) == "a\nb\tc"
    with pytest.raises(TextRefused):
        clean_text("a\x07b", multiline=True)
    # RFC 5892 CONTEXTJ: a ZWNJ/ZWJ right after a virama is part of the word.
    assert clean_text("\u0915\u094d\u200d\u0937") == "\u0915\u094d\u200d\u0937"


def _fields(resp) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["field"] for e in resp.get_json()["errors"]]


def test_names_and_free_text_through_the_api(pos, manager) -> None:  # type: ignore[no-untyped-def]
    r = pos.post("/customers", json={"last_name": "Eve\u202etxt.exe", "first_name": "A\x00"})
    assert r.status_code == 422 and set(_fields(r)) == {"last_name", "first_name"}
    r = pos.post("/customers", json={"last_name": "Mu\u0308ller", "notes": "one\ntwo"})
    assert r.status_code == 201
    assert r.get_json()["last_name"] == "M\u00fcller" and r.get_json()["notes"] == "one\ntwo"
    cid = r.get_json()["id"]
    r = pos.patch(f"/customers/{cid}", json={"city": "Berlin\r\nX"})
    assert r.status_code == 422 and _fields(r) == ["city"]
    r = pos.post("/groups", json={"name": "VIP\u200b"})
    assert r.status_code == 422 and _fields(r) == ["name"]
    r = manager.post(
        f"/customers/{cid}/corrections",
        json={"account": "points", "amount": 5, "reason": "typo\x1b[8m"},
        idem=True,
    )
    assert r.status_code == 422 and _fields(r) == ["reason"]


def test_ids_in_bodies_and_full_width_paths(pos, manager, box) -> None:  # type: ignore[no-untyped-def]
    make_customer(box)
    assert pos.get("/customers/1").status_code == 200
    assert pos.get("/customers/\uff11").status_code == 404  # not customer 1
    r = manager.post("/customers/1/merge", json={"source_id": str(2**63)})
    assert r.status_code == 422 and _fields(r) == ["source_id"]
    r = manager.post("/customers/1/merge", json={"source_id": "\uff11"})
    assert r.status_code == 422 and _fields(r) == ["source_id"]
    r = pos.get("/customers/1/transactions?cursor=garbage")
    assert r.status_code == 422 and _fields(r) == ["query.cursor"]
