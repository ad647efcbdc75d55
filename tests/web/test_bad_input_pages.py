"""Every bad input to every panel route (issue #15), walked from ``app.url_map``
as a logged-in manager: path ids of 0, −1, 2^63, 10^30 and a full-width
digit, 2^63 and 10^30 in every number a form takes, a garbage cursor and
group. Nothing may answer 5xx; bad ids are 404 pages."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask

from edge.platform.box import Box
from tests.support.panel import HTTPS, Panel, balances, make_customer

BAD_IDS = ("0", "-1", str(2**63), str(10**30), "\uff11", "\u00b2")  # １ and ²
BAD_INTS = (str(2**63), str(10**30), "-" + str(2**63), "\uff11")
FORM_INTS = (
    "amount",
    "sort_order",
    "default_discount_percent",
    "customer_number",
    "price_level",
    "discount_percent",
    "payment_terms_days",
    "credit_limit",
)
SKIP = {"web.logout", "web.static"}  # logging out would end the walk


def _rules(app: Flask) -> list[Any]:
    return [
        r
        for r in app.url_map.iter_rules()
        if not r.endpoint.startswith("api.") and r.endpoint not in SKIP
    ]


def _path(rule: Any, value: str) -> str:
    out = rule.rule
    for _ in rule.arguments:
        start = out.index("<")
        out = out[:start] + value + out[out.index(">", start) + 1 :]
    assert "<" not in out, rule.rule
    return out


def _send(panel: Panel, csrf: str, method: str, path: str, form: dict[str, str]) -> Any:
    if method == "GET":
        return panel.get(path, query_string=form)
    data = {"csrf_token": csrf, "nonce": uuid.uuid4().hex, **form}
    return panel.client.post(path, data=data, base_url=HTTPS, headers=panel.headers)


def _assert_page(resp: Any, what: str) -> None:
    assert resp.status_code < 500, (what, resp.status_code, resp.get_data(as_text=True)[:300])


@pytest.fixture
def walk(app: Flask, box: Box, manager_panel: Panel) -> tuple[Panel, str]:
    make_customer(box)  # customer 1
    box.db.write(
        lambda c: c.execute(
            "INSERT INTO customer_groups (name, sort_order, created_at, updated_at)"
            " VALUES ('G', 0, 'x', 'x')"
        )
    )
    return manager_panel, manager_panel.token("/")


def test_bad_ids_in_every_panel_path_are_404(app: Flask, walk: tuple[Panel, str]) -> None:
    panel, csrf = walk
    probed = 0
    for rule in _rules(app):
        if not rule.arguments:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for bad in BAD_IDS:
                resp = _send(panel, csrf, method, _path(rule, bad), {})
                _assert_page(resp, f"{method} {rule.rule} {bad!r}")
                assert resp.status_code == 404, (method, rule.rule, bad, resp.status_code)
                probed += 1
    assert probed > 60


def test_huge_numbers_in_every_panel_form(app: Flask, walk: tuple[Panel, str]) -> None:
    panel, csrf = walk
    for rule in _rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for bad in BAD_INTS:
                form = {name: bad for name in FORM_INTS}
                form |= {"_fields": ",".join(FORM_INTS), "last_name": "X", "name": "G2"}
                form |= {"account": "points", "reason": "r", "cursor": "garbage", "group": bad}
                resp = _send(panel, csrf, method, _path(rule, "1"), form)
                _assert_page(resp, f"{method} {rule.rule} {bad}")


@pytest.mark.parametrize("amount", [str(2**63), str(10**30), "-" + str(10**30)])
def test_point_corrections_beyond_the_limit_are_a_field_error(
    box: Box, walk: tuple[Panel, str], amount: str
) -> None:
    panel, csrf = walk
    form = {"account": "points", "amount": amount, "reason": "typo"}
    resp = _send(panel, csrf, "POST", "/customers/1/correction", form)
    assert resp.status_code == 422
    assert balances(box, 1) == (0, 0, 0)


def test_a_reason_with_a_bidi_override_is_refused(box: Box, walk: tuple[Panel, str]) -> None:
    panel, csrf = walk
    form = {"account": "points", "amount": "5", "reason": "ok\u202e"}
    resp = _send(panel, csrf, "POST", "/customers/1/correction", form)
    assert resp.status_code == 422
    assert balances(box, 1) == (0, 0, 0)
    form["reason"] = "ok"
    _send(panel, csrf, "POST", "/customers/1/correction", form)
    assert balances(box, 1) == (0, 0, 5)


def test_customer_names_with_control_characters_are_field_errors(
    box: Box, walk: tuple[Panel, str]
) -> None:
    panel, csrf = walk
    fields = "last_name,notes"
    for bad in ("Eve\x1b[31m", "Eve\r\nX", "Eve\u202e", "E\u200bve", "E\x00"):
        form = {"_fields": fields, "last_name": bad, "notes": "ok"}
        resp = _send(panel, csrf, "POST", "/customers/1/edit", form)
        assert resp.status_code == 422, bad
    form = {"_fields": fields, "last_name": "Mu\u0308ller", "notes": "line 1\r\nline\t2"}
    resp = _send(panel, csrf, "POST", "/customers/1/edit", form)
    assert resp.status_code == 302
    row = box.db.reader().execute("SELECT last_name, notes FROM customers WHERE id = 1").fetchone()
    assert tuple(row) == ("M\u00fcller", "line 1\nline\t2")  # NFC; CR LF from a textarea → LF
