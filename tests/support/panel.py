"""Panel test helpers: staff users, a browser-like Flask client, a customer."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from edge.customers import service
from edge.platform.box import Box
from edge.platform.clock import now_iso
from edge.security import users

PASSWORD = "correct horse battery"
HTTPS = "https://localhost"


def add_user(box: Box, name: str, role: str) -> None:
    box.db.write(lambda c: users.create_user(c, name, role, PASSWORD))


class Panel:
    """A browser-like client: HTTPS base URL, CSRF token taken from the page."""

    def __init__(self, client: FlaskClient, lang: str = "en") -> None:
        self.client = client
        self.headers = {"Accept-Language": lang}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, base_url=HTTPS, headers=self.headers, **kw)

    def token(self, path: str = "/login") -> str:
        html = self.get(path).get_data(as_text=True)
        m = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert m, html
        return m.group(1)

    def post(self, path: str, data: dict[str, Any] | None = None, *, token_from: str = "/") -> Any:
        form = {"csrf_token": self.token(token_from), **(data or {})}
        return self.client.post(path, data=form, base_url=HTTPS, headers=self.headers)

    def login(self, name: str) -> None:
        resp = self.post("/login", {"name": name, "password": PASSWORD}, token_from="/login")
        assert resp.status_code == 302, resp.get_data(as_text=True)

    def text(self, path: str, status: int = 200) -> str:
        resp = self.get(path)
        assert resp.status_code == status, (path, resp.status_code)
        return str(resp.get_data(as_text=True))


def balances(box: Box, cid: int) -> tuple[int, int, int]:
    """A customer's cached (cash, bonus, points)."""
    row = (
        box.db.reader()
        .execute("SELECT cash, bonus, points FROM balances WHERE customer_id = ?", [cid])
        .fetchone()
    )
    return tuple(row) if row else (0, 0, 0)  # type: ignore[return-value]


def make_customer(box: Box, **values: Any) -> int:
    record = {"last_name": "Müller", "first_name": "Thomas", **values}
    return int(
        box.db.write(
            lambda c: service.create_customer(
                c, record, config=box.config, actor="test", now=now_iso(), allow_duplicate=True
            )
        )
    )
