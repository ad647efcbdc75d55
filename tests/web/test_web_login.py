"""Staff login: cookies, CSRF, headers, roles, throttling, lockout, TOTP replay."""

from __future__ import annotations

import re

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from edge.platform.box import Box
from edge.security import users
from web.auth import login_required

PASSWORD = "correct horse battery"
HTTPS = "https://localhost"


def add_user(box: Box, name: str, role: str = "cashier") -> None:
    box.db.write(lambda c: users.create_user(c, name, role, PASSWORD))


def csrf(client: FlaskClient, path: str = "/login") -> str:
    html = client.get(path, base_url=HTTPS).get_data(as_text=True)
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html
    return m.group(1)


def login(client: FlaskClient, name: str, password: str = PASSWORD, totp: str = "") -> int:
    token = csrf(client)
    resp = client.post(
        "/login",
        data={"csrf_token": token, "name": name, "password": password, "totp": totp},
        base_url=HTTPS,
    )
    return resp.status_code


@pytest.fixture
def panel_app(app: Flask) -> Flask:
    """The app plus a manager-only page, added before the first request."""

    @login_required("manager")
    def manager_page() -> str:
        return "manager area"

    app.add_url_rule("/_manager", "manager_page", manager_page)
    return app


def test_login_page_headers_and_cookie_flags(client: FlaskClient) -> None:
    resp = client.get("/login", base_url=HTTPS, headers={"Accept-Language": "de"})
    assert resp.status_code == 200
    assert "Anmelden" in resp.get_data(as_text=True)
    h = resp.headers
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert "script-src 'self'" in h["Content-Security-Policy"]
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "no-referrer"
    assert h["Cache-Control"] == "no-store"
    cookie = h["Set-Cookie"]
    assert cookie.startswith("tilledge_session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Strict"):
        assert flag in cookie
    english = client.get("/login", base_url=HTTPS, headers={"Accept-Language": "en-GB"})
    assert "Log in" in english.get_data(as_text=True)


def test_secret_key_is_per_box(app: Flask, box: Box) -> None:
    row = box.db.reader().execute("SELECT value FROM box_meta WHERE key='web_secret'").fetchone()
    assert app.secret_key == row["value"] and len(row["value"]) == 64


def test_form_post_without_csrf_is_refused(client: FlaskClient, box: Box) -> None:
    add_user(box, "anna")
    client.get("/login", base_url=HTTPS)  # a session with a token exists …
    resp = client.post(
        "/login", data={"name": "anna", "password": PASSWORD}, base_url=HTTPS
    )  # … but the form does not carry it
    assert resp.status_code == 400
    resp = client.post(
        "/login",
        data={"csrf_token": "forged", "name": "anna", "password": PASSWORD},
        base_url=HTTPS,
    )
    assert resp.status_code == 400
    assert client.get("/", base_url=HTTPS).status_code == 302  # not logged in


def test_login_landing_logout(client: FlaskClient, box: Box) -> None:
    add_user(box, "anna")
    resp = client.get("/", base_url=HTTPS)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert login(client, "anna") == 302
    home = client.get("/", base_url=HTTPS, headers={"Accept-Language": "en"})
    assert home.status_code == 200 and "Welcome, anna" in home.get_data(as_text=True)
    token = csrf(client, "/")
    assert client.post("/logout", base_url=HTTPS).status_code == 400  # CSRF on logout too
    assert client.post("/logout", data={"csrf_token": token}, base_url=HTTPS).status_code == 302
    assert client.get("/", base_url=HTTPS).status_code == 302
    n = box.db.reader().execute("SELECT COUNT(*) FROM web_sessions").fetchone()[0]
    assert n == 0


def test_session_is_server_side(client: FlaskClient, box: Box) -> None:
    add_user(box, "anna")
    assert login(client, "anna") == 302
    box.db.write(lambda c: c.execute("DELETE FROM web_sessions"))  # e.g. user disabled
    assert client.get("/", base_url=HTTPS).status_code == 302


def test_roles(panel_app: Flask, box: Box) -> None:
    for name, role, expected in (
        ("cas", "cashier", 403),
        ("man", "manager", 200),
        ("adm", "admin", 200),
    ):
        add_user(box, name, role)
        client = panel_app.test_client()
        assert login(client, name) == 302
        assert client.get("/_manager", base_url=HTTPS).status_code == expected, role


def test_next_is_not_an_open_redirect(client: FlaskClient, box: Box) -> None:
    add_user(box, "anna")
    token = csrf(client)
    resp = client.post(
        "/login",
        data={"csrf_token": token, "name": "anna", "password": PASSWORD, "next": "//evil.test/"},
        base_url=HTTPS,
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_lockout_after_failures(client: FlaskClient, box: Box) -> None:
    add_user(box, "anna")
    limit = box.config.security.login_max_failures
    for _ in range(limit):
        assert login(client, "anna", "wrong password!") == 401
    # Locked: even the right password is refused, without being checked.
    assert login(client, "anna") == 429
    box.db.write(lambda c: users.unlock(c, "anna"))
    assert login(client, "anna") == 302


def test_lockout_expires(box: Box) -> None:
    add_user(box, "anna")
    cfg = box.config.security
    t0 = 1_800_000_000.0
    for _ in range(cfg.login_max_failures):
        r = users.authenticate(box.db, "anna", "nope nope nope", "", client="a", cfg=cfg, now=t0)
        assert r.outcome == "invalid"
    # Locked from that address: even the right password, without being checked …
    r = users.authenticate(box.db, "anna", PASSWORD, "", client="a", cfg=cfg, now=t0)
    assert (r.outcome, r.retry_after) == ("locked", cfg.login_lockout_seconds)
    later = t0 + cfg.login_lockout_seconds + 1  # … until the window has passed.
    r = users.authenticate(box.db, "anna", PASSWORD, "", client="a", cfg=cfg, now=later)
    assert r.outcome == "ok"


def test_client_is_throttled_across_names(client: FlaskClient, box: Box) -> None:
    """Password spraying: many names from one address."""
    limit = box.config.security.login_max_failures_per_client
    for i in range(limit):
        assert login(client, f"nobody{i}", "whatever123") == 401
    add_user(box, "anna")
    assert login(client, "anna") == 429


def test_totp_required_and_replay_refused(client: FlaskClient, box: Box) -> None:
    add_user(box, "anna", "manager")
    secret = box.db.write(lambda c: users.enable_totp(c, "anna"))["secret"]
    assert login(client, "anna") == 401  # password alone is not enough
    code = pyotp.TOTP(secret).now()
    assert login(client, "anna", totp=code) == 302
    token = csrf(client, "/")
    client.post("/logout", data={"csrf_token": token}, base_url=HTTPS)
    assert login(client, "anna", totp=code) == 401  # the same code again: replay


def test_totp_step_window() -> None:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = 1_800_000_000.0
    step = int(now // 30)
    assert users.totp_step(secret, totp.at(now), now) == step
    assert users.totp_step(secret, totp.at(now - 30), now) == step - 1
    assert users.totp_step(secret, totp.at(now - 90), now) is None
    assert users.totp_step(secret, "12345", now) is None


def test_no_default_credentials(box: Box) -> None:
    conn = box.db.reader()
    assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM terminals").fetchone()[0] == 0


def test_weak_or_duplicate_accounts_refused(box: Box) -> None:
    with pytest.raises(users.UserError):
        box.db.write(lambda c: users.create_user(c, "bob", "cashier", "short"))
    with pytest.raises(users.UserError):
        box.db.write(lambda c: users.create_user(c, "bob", "root", PASSWORD))
    add_user(box, "bob")
    with pytest.raises(users.UserError):
        add_user(box, "BOB")
    stored = box.db.reader().execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_full_hash_gate_answers_429_login_busy(client: FlaskClient, box: Box) -> None:
    from edge.security.hash_gate import gate

    add_user(box, "anna")
    cfg = box.config.security
    held = gate(cfg.login_hash_concurrency, cfg.login_queue, cfg.login_queue_seconds)
    token = csrf(client)
    with held.slot():  # the one slot is taken: the login waits its queue time, then 429
        resp = client.post(
            "/login",
            data={"csrf_token": token, "name": "anna", "password": PASSWORD},
            base_url=HTTPS,
            headers={"Accept-Language": "en"},
        )
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"
    assert "Too many logins at once" in resp.get_data(as_text=True)
    assert login(client, "anna") == 302  # nothing was counted against anna


def test_slowed_after_failures_elsewhere_is_a_429_with_its_message(
    client: FlaskClient, box: Box
) -> None:
    add_user(box, "anna")
    cfg = box.config.security
    for i in range(cfg.login_max_failures):
        users.authenticate(box.db, "anna", "nope nope nope", "", client=f"10.9.0.{i}", cfg=cfg)
    assert login(client, "anna", "typo typo typo") == 401  # from the test client's address
    token = csrf(client)
    resp = client.post(
        "/login",
        data={"csrf_token": token, "name": "anna", "password": PASSWORD},
        base_url=HTTPS,
        headers={"Accept-Language": "de"},
    )
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == str(cfg.login_slowdown_seconds)
    assert "Bitte einige Sekunden warten" in resp.get_data(as_text=True)
