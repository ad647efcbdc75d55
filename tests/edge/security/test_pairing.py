"""Pairing codes: exchange, expiry, single use, throttling."""

from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient

from edge.platform.box import Box
from edge.security import pairing
from edge.security.tokens import lookup


def issue(box: Box, *, minutes: int = 10, now: float | None = None, scopes=("pos",)) -> str:  # type: ignore[no-untyped-def]
    info = box.db.write(
        lambda c: pairing.issue(c, scopes=list(scopes), minutes=minutes, name=None, now=now)
    )
    return str(info["code"])


def pair(client: FlaskClient, code: str, name: str = "till-7", addr: str = "10.0.0.7") -> object:
    return client.post(
        "/api/v1/pair",
        json={"code": code, "name": name},
        environ_base={"REMOTE_ADDR": addr},
    )


def test_code_format_and_hash_only(box: Box) -> None:
    code = issue(box)
    assert len(code) == 9 and code[4] == "-"
    assert all(c in pairing.ALPHABET for c in code.replace("-", ""))
    stored = box.db.reader().execute("SELECT code_hash FROM pairing_codes").fetchone()[0]
    assert code.replace("-", "") not in stored


def test_exchange_gives_a_working_scoped_token(client: FlaskClient, box: Box) -> None:
    code = issue(box, scopes=("pos", "manager"))
    resp = pair(client, code.lower().replace("-", " "))  # typed sloppily still works
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["name"] == "till-7" and body["scopes"] == ["manager", "pos"]
    assert body["box_id"] == box.box_id
    principal = lookup(box.db.reader(), body["token"])
    assert principal is not None and principal.has("manager")


def test_single_use(client: FlaskClient, box: Box) -> None:
    code = issue(box)
    assert pair(client, code).status_code == 201
    again = pair(client, code)
    assert again.status_code == 400
    assert again.get_json()["code"] == "invalid_pairing_code"


def test_expired(client: FlaskClient, box: Box) -> None:
    code = issue(box, minutes=10, now=time.time() - 601)
    assert pair(client, code).status_code == 400
    fresh = issue(box, minutes=10, now=1_000.0)
    assert box.db.write(lambda c: pairing.redeem(c, fresh, now=1_000.0 + 599)) is not None


def test_wrong_codes_are_throttled_per_client(app: Flask, client: FlaskClient, box: Box) -> None:
    code = issue(box)
    limit = box.config.security.pairing_max_failures
    for i in range(limit):
        assert pair(client, f"WRONG-{i:04d}").status_code == 400
    throttled = pair(client, code)  # even the right code: guessing must not continue
    assert throttled.status_code == 429
    assert throttled.get_json()["code"] == "rate_limited"
    assert int(throttled.headers["Retry-After"]) > 0
    # another client is unaffected and the code is still unused
    assert pair(client, code, addr="10.0.0.8").status_code == 201


def test_pair_validation(client: FlaskClient) -> None:
    resp = client.post("/api/v1/pair", json={"code": "x"})
    assert resp.status_code == 422
    resp = client.post("/api/v1/pair", json={"code": "ABCD-EFGH", "extra": 1})
    assert resp.status_code == 422


def test_panel_shows_a_code_that_pairs(client: FlaskClient, box: Box) -> None:
    import re

    from edge.security import users

    box.db.write(lambda c: users.create_user(c, "mia", "manager", "correct horse battery"))
    https = "https://localhost"
    page = client.get("/login", base_url=https).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post(
        "/login",
        data={"csrf_token": token, "name": "mia", "password": "correct horse battery"},
        base_url=https,
    )
    page = client.get("/terminals/pair", base_url=https).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert client.post("/terminals/pair", data={"scope": "pos"}, base_url=https).status_code == 400
    resp = client.post(
        "/terminals/pair",
        data={"csrf_token": token, "scope": "pos", "name": "till-9"},
        base_url=https,
    )
    code = re.search(r'class="code"[^>]*>([A-Z0-9-]{9})<', resp.get_data(as_text=True))
    assert code, resp.get_data(as_text=True)
    body = pair(client, code.group(1), addr="10.0.0.9").get_json()
    assert body["name"] == "till-9" and body["scopes"] == ["pos"]
