"""Customer-base fixtures: a thirdparty client and a quick way to make customers."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def thirdparty(client, make_token, pos):  # type: ignore[no-untyped-def]
    return type(pos)(client, make_token("pos", "thirdparty", name="reservations"))


@pytest.fixture
def mk(pos):  # type: ignore[no-untyped-def]
    """Create a customer through the API (duplicates allowed) and return the record."""

    def make(**fields: Any) -> dict[str, Any]:
        fields.setdefault("last_name", "Muster")
        r = pos.post("/customers?allow_duplicate=true", json=fields)
        assert r.status_code == 201, r.get_json()
        return r.get_json()  # type: ignore[no-any-return]

    return make


def field_errors(resp: Any) -> dict[str, str]:
    """{field: message} of a problem+json response."""
    assert resp.mimetype == "application/problem+json", resp.get_data(as_text=True)
    return {e["field"]: e["message"] for e in resp.get_json()["errors"]}
