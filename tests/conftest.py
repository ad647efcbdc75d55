"""Shared fixtures (flaskr style): a box on a temp database, a test client,
and terminal tokens with chosen scopes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from edge import create_app
from edge.platform.box import Box
from edge.platform.config import Config, load_config
from edge.security.tokens import issue_token


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(overrides={"box.data_dir": str(tmp_path / "data")}, environ={})


@pytest.fixture
def app(config: Config) -> Iterator[Flask]:
    app = create_app(config)
    app.config["TESTING"] = True
    yield app
    box: Box = app.extensions["tilledge"]
    box.close()


@pytest.fixture
def box(app: Flask) -> Box:
    return app.extensions["tilledge"]  # type: ignore[no-any-return]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class ApiClient:
    """The test client with a terminal's bearer token and JSON helpers."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token

    def _headers(self, headers: dict[str, str] | None, idem: str | bool | None) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self.token}"}
        if idem is True:
            h["Idempotency-Key"] = str(uuid.uuid4())
        elif isinstance(idem, str):
            h["Idempotency-Key"] = idem
        h.update(headers or {})
        return h

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(
            f"/api/v1{path}", headers=self._headers(kw.pop("headers", None), None), **kw
        )

    def post(
        self, path: str, json: Any = None, *, idem: str | bool | None = True, **kw: Any
    ) -> Any:
        return self.client.post(
            f"/api/v1{path}", json=json, headers=self._headers(kw.pop("headers", None), idem), **kw
        )

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(
            f"/api/v1{path}", json=json, headers=self._headers(kw.pop("headers", None), None), **kw
        )

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(
            f"/api/v1{path}", headers=self._headers(kw.pop("headers", None), None), **kw
        )


@pytest.fixture
def make_token(box: Box):  # type: ignore[no-untyped-def]
    def make(*scopes: str, name: str | None = None) -> str:
        info = box.db.write(
            lambda conn: issue_token(conn, name or f"t-{uuid.uuid4().hex[:6]}", list(scopes))
        )
        return str(info["token"])

    return make


@pytest.fixture
def api_client():  # type: ignore[no-untyped-def]
    """An :class:`ApiClient` for another app than ``app`` (a second process's)."""

    def make(app: Flask, token: str) -> ApiClient:
        return ApiClient(app.test_client(), token)

    return make


@pytest.fixture
def pos(client: FlaskClient, make_token) -> ApiClient:  # type: ignore[no-untyped-def]
    return ApiClient(client, make_token("pos", name="till-1"))


@pytest.fixture
def manager(client: FlaskClient, make_token) -> ApiClient:  # type: ignore[no-untyped-def]
    return ApiClient(client, make_token("pos", "manager", name="backoffice"))


@pytest.fixture
def admin(client: FlaskClient, make_token) -> ApiClient:  # type: ignore[no-untyped-def]
    return ApiClient(client, make_token("admin", name="admin"))
