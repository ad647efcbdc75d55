"""Deep JSON and huge ids through the real ``tilledge serve`` process (issue
#15): the answers the Flask client gets are the ones on the wire too, and the
process keeps serving after them."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any

from tests.support.live import (
    add_terminal,
    api_call,
    free_tcp_port,
    serving_healthy,
    sim_config,
)

DEEP = "[" * 1000 + "]" * 1000
HUGE = str(2**63)


def _raw(port: int, token: str, method: str, path: str, body: str) -> tuple[int, Any, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Idempotency-Key": f"k-{path}-{len(body)}",
    }
    try:
        conn.request(method, f"/api/v1{path}", body.encode(), headers)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read()), resp.getheader("Content-Type") or ""
    finally:
        conn.close()


def test_deep_json_and_huge_ids_on_the_wire(tmp_path: Path) -> None:
    port = free_tcp_port()
    cfg = sim_config(tmp_path, port)
    token = add_terminal(cfg, "T1")
    with serving_healthy(cfg, port):
        for path in ("/customers", "/quotes", "/checkouts"):
            status, body, mime = _raw(port, token, "POST", path, DEEP)
            assert status == 422, (path, status, body)
            assert mime.startswith("application/problem+json")
            assert body["errors"] == [{"field": "body", "message": "nested deeper than 32 levels"}]
        for method, path, body in (
            ("GET", f"/receipts/{HUGE}", None),
            ("GET", f"/customers/{10**30}", None),
            ("GET", "/customers/%EF%BC%91", None),  # １, FULLWIDTH DIGIT ONE
            ("POST", f"/payments/{HUGE}/refunds", {"amount": 1}),
        ):
            status, answer, _ = api_call(port, token, method, path, body)
            assert status == 404, (method, path, status, answer)
        status, answer, _ = api_call(port, token, "POST", "/receipts", {"operation_id": HUGE})
        assert status == 422 and answer["errors"][0]["field"] == "operation_id", answer
        status, created, _ = api_call(port, token, "POST", "/customers", {"last_name": "Still"})
        assert status == 201, created  # and it still serves
