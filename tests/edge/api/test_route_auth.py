"""Every route in the app's URL map is proven to enforce its declared auth.

API routes take their scope from ``edge.api.routes.api.operations`` (what the
OpenAPI document declares); a route missing from it fails the test, so routes
added later are covered without editing this file. Panel routes must be
declared with ``web.auth.login_required(role)`` or ``web.auth.public``.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from edge.api.routes import api
from edge.security.tokens import SCOPES

OPEN_API_ROUTES = {"api.health", "api.openapi", "api.pair"}
# A token that lacks ``scope``: everything but the scope itself and admin.
WRONG = {s: [x for x in SCOPES if x not in (s, "admin")] for s in SCOPES}
WRONG["admin"] = ["pos", "manager", "thirdparty"]


def _path(rule: Any) -> str:
    """Fill path arguments with harmless values (nothing exists yet)."""
    values = {arg: "1" for arg in rule.arguments}
    for arg, conv in rule._converters.items():
        if type(conv).__name__ in ("IntegerConverter",):
            values[arg] = 1
    return str(rule.build(values, append_unknown=False)[1])


def _methods(rule: Any) -> list[str]:
    return sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"})


def _call(client: FlaskClient, method: str, path: str, token: str | None) -> int:
    headers = {"Idempotency-Key": "route-auth-probe"} if method == "POST" else {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    kwargs: dict[str, Any] = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    resp = client.open(path, method=method, **kwargs)
    status = resp.status_code
    resp.close()  # do not drain streams (the SSE route would never end)
    return status


def api_rules(app: Flask) -> list[Any]:
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith(f"{api.blueprint.name}.")]


def test_every_api_route_is_declared(app: Flask) -> None:
    declared = {(op.endpoint, op.method) for op in api.operations}
    for rule in api_rules(app):
        for method in _methods(rule):
            assert (rule.endpoint, method) in declared, (
                f"{method} {rule.rule} ({rule.endpoint}) is not in api.operations: "
                "register it with api.route(..., scope=...)"
            )


def test_only_the_documented_routes_are_open() -> None:
    open_ = {op.endpoint for op in api.operations if op.scope is None}
    assert open_ == OPEN_API_ROUTES, f"unexpected open routes: {open_ - OPEN_API_ROUTES}"
    for op in api.operations:
        assert op.scope is None or op.scope in SCOPES, f"{op.endpoint}: unknown scope {op.scope}"


def test_every_api_route_enforces_its_scope(app: Flask, client: FlaskClient, make_token) -> None:  # type: ignore[no-untyped-def]
    scope_of = {(op.endpoint, op.method): op.scope for op in api.operations}
    tokens = {s: make_token(s) for s in SCOPES}
    wrong_tokens = {s: make_token(*WRONG[s]) for s in SCOPES}
    routes = {(rule.endpoint, method) for rule in api_rules(app) for method in _methods(rule)}
    open_checked: set[tuple[str, str]] = set()
    guarded_checked: set[tuple[str, str]] = set()
    for rule in api_rules(app):
        path = _path(rule)
        for method in _methods(rule):
            scope = scope_of[(rule.endpoint, method)]
            where = f"{method} {path}"
            if scope is None:
                status = _call(client, method, path, None)
                assert status not in (401, 403), f"{where} is open but answered {status}"
                open_checked.add((rule.endpoint, method))
                continue
            assert _call(client, method, path, None) == 401, f"{where} without a token"
            assert _call(client, method, path, "te_not-a-real-token") == 401, f"{where} bad token"
            status = _call(client, method, path, wrong_tokens[scope])
            assert status == 403, f"{where} with scopes {WRONG[scope]} answered {status}"
            for good in (tokens[scope], tokens["admin"]):
                status = _call(client, method, path, good)
                assert status not in (401, 403), f"{where} with the '{scope}' scope: {status}"
            guarded_checked.add((rule.endpoint, method))
    # The url_map decides what must have been probed, not the loop above.
    open_routes = {r for r in routes if r[0] in OPEN_API_ROUTES}
    assert {e for e, _ in open_routes} == OPEN_API_ROUTES
    assert open_checked == open_routes
    assert guarded_checked == routes - open_routes
    assert len(guarded_checked) > 0


def test_every_panel_route_is_declared_and_enforced(app: Flask, client: FlaskClient) -> None:
    """Non-API views must say who may see them; anonymous callers are sent to log in."""
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(f"{api.blueprint.name}."):
            continue
        view = app.view_functions[rule.endpoint]
        role = getattr(view, "tilledge_role", None)
        public = getattr(view, "tilledge_public", False) or rule.endpoint.endswith("static")
        assert role or public, (
            f"{rule.rule} ({rule.endpoint}) declares no access: use "
            "web.auth.login_required(role) or web.auth.public"
        )
        if public:
            continue
        for method in _methods(rule):
            # Send a valid CSRF token so it is the login check that answers.
            resp = client.open(
                _path(rule),
                method=method,
                base_url="https://localhost",
                headers={"X-CSRF-Token": token},
            )
            assert resp.status_code in (302, 303, 401), f"{method} {rule.rule}: {resp.status_code}"
            if resp.status_code in (302, 303):
                assert "/login" in resp.headers["Location"]


@pytest.mark.parametrize(("granted", "needed"), list(itertools.product(SCOPES, SCOPES)))
def test_scope_matrix(granted: str, needed: str) -> None:
    from edge.security.tokens import Principal

    p = Principal(1, "t", frozenset([granted]))
    assert p.has(needed) == (granted == needed or granted == "admin")


def test_revocation_takes_effect_at_once(app: Flask, box, make_token) -> None:  # type: ignore[no-untyped-def]
    """A probe route guarded exactly like every API route (``auth.require``)."""
    from edge.api import auth
    from edge.security import terminals

    def probe() -> str:
        auth.require("pos")
        return auth.current_actor()

    app.add_url_rule("/api/v1/_probe", "probe", probe)
    client = app.test_client()
    token = make_token("pos", name="soon-revoked")
    tid = next(
        r["id"] for r in terminals.list_terminals(box.db.reader()) if r["name"] == "soon-revoked"
    )
    assert _call(client, "GET", "/api/v1/_probe", token) == 200
    assert box.db.write(lambda c: terminals.revoke(c, tid))
    assert _call(client, "GET", "/api/v1/_probe", token) == 401
    assert not box.db.write(lambda c: terminals.revoke(c, tid))  # already revoked
