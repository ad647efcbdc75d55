import pytest
from openapi_spec_validator import validate

from edge import __version__, create_app


def test_create_app_with_test_config(tmp_path):
    app = create_app(test_config={"box.data_dir": str(tmp_path / "d"), "box.name": "Test Box"})
    try:
        r = app.test_client().get("/api/v1/health")
        assert r.status_code == 200
        assert r.json["name"] == "Test Box"
        assert (tmp_path / "d" / "tilledge.db").exists()
    finally:
        app.extensions["tilledge"].close()


def test_health(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    body = r.json
    assert body["status"] == "ok"
    assert body["version"] == __version__
    assert body["db"] == "ok"
    assert set(body["devices"]) == {"nfc", "printer", "display"}
    assert len(body["box_id"]) == 16


def test_unknown_route_is_problem_json(client):
    r = client.get("/api/v1/does-not-exist")
    assert r.status_code == 404
    assert r.content_type == "application/problem+json"
    assert r.json["code"] == "not_found"
    assert r.json["status"] == 404
    assert "does-not-exist" in r.json["detail"]


def test_wrong_method_is_problem_json(client):
    r = client.delete("/api/v1/health")
    assert r.status_code == 405
    assert r.content_type == "application/problem+json"
    assert r.json["code"] == "method_not_allowed"
    assert "GET" in r.headers["Allow"]


def test_unexpected_error_is_problem_json_500(app):
    # A route that fails in a way no handler expects: the client still gets problem+json.
    def explode():
        raise RuntimeError("disk on fire")

    app.add_url_rule("/api/v1/_explode", "explode", explode)
    r = app.test_client().get("/api/v1/_explode")
    assert r.status_code == 500
    assert r.content_type == "application/problem+json"
    assert r.json["code"] == "internal_error"
    assert "disk on fire" not in r.get_data(as_text=True)


def test_openapi_document_is_valid_3_1(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json
    assert doc["openapi"].startswith("3.1")
    validate(doc)
    assert "/api/v1/health" in doc["paths"]
    assert doc["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "code",
    ]


def test_openapi_lists_every_route(app, client):
    doc = client.get("/api/v1/openapi.json").json
    documented = {(path, method.upper()) for path, item in doc["paths"].items() for method in item}
    import re

    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} missing from openapi.json"


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/openapi.json"])
def test_open_routes_need_no_token(client, path):
    assert client.get(path).status_code == 200


def test_malformed_json_is_a_400_problem(pos):
    r = pos.client.post(
        "/api/v1/customers",
        data="{not json",
        headers={"Authorization": f"Bearer {pos.token}", "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.content_type == "application/problem+json"
    assert r.json["code"] == "bad_request"


def test_non_json_body_is_a_415_problem(pos):
    r = pos.client.post(
        "/api/v1/customers",
        data="last_name=x",
        headers={
            "Authorization": f"Bearer {pos.token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert r.status_code == 415
    assert r.content_type == "application/problem+json"
