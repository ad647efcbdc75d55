"""The worker's relay to the primary (``edge.serving.workers``), over a real Unix socket
served by cheroot: what reaches the primary, and what the client gets back."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cheroot import wsgi

from edge.serving.workers import FromWorkers, PrimaryProxy, served_by_worker


def _echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    seen = {
        "path": environ["PATH_INFO"],
        "query": environ.get("QUERY_STRING", ""),
        "remote": environ["REMOTE_ADDR"],
        "scheme": environ["wsgi.url_scheme"],
        "body": environ["wsgi.input"].read(length).decode(),
        "auth": environ.get("HTTP_AUTHORIZATION"),
        "spoof": environ.get("HTTP_X_TILLEDGE_CLIENT"),
    }
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Echo", "1")])
    return [json.dumps(seen).encode()]


@pytest.fixture
def primary(tmp_path: Path) -> Iterator[Path]:
    sock = tmp_path / "primary.sock"
    server = wsgi.Server(str(sock), FromWorkers(_echo), numthreads=2)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    yield sock
    server.stop()


def _call(app: Any, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    environ = {
        "REQUEST_METHOD": "POST" if body else "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "a=1",
        "REMOTE_ADDR": "192.168.1.50",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(body),
        **(headers or {}),
    }
    status: list[str] = []
    out = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
    return status[0], out


def test_routes_split_between_worker_and_primary() -> None:
    assert served_by_worker("/api/v1/checkouts")
    assert served_by_worker("/api/v1/customers/7/payments")
    for path in ("/api/v1/events", "/api/v1/health", "/api/v1/devices", "/api/v1/pair", "/login"):
        assert not served_by_worker(path)


def test_relay_keeps_client_scheme_body_and_overrides_spoofed_headers(primary) -> None:  # type: ignore[no-untyped-def]
    sock = primary
    local = []
    proxy = PrimaryProxy(lambda e, sr: local.append(e) or [b""], sock)
    status, out = _call(
        proxy,
        "/login",
        body=b"user=anna",
        headers={
            "CONTENT_LENGTH": "9",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_AUTHORIZATION": "Bearer x",
            "HTTP_X_TILLEDGE_CLIENT": "10.0.0.66",  # a client cannot choose its address
        },
    )
    seen = json.loads(out)
    assert status == "200 OK" and not local
    assert seen["remote"] == "192.168.1.50" and seen["scheme"] == "https"
    assert seen["body"] == "user=anna" and seen["query"] == "a=1" and seen["auth"] == "Bearer x"
    assert seen["spoof"] is None


def test_chunked_body_is_relayed_whole(primary) -> None:  # type: ignore[no-untyped-def]
    sock = primary
    proxy = PrimaryProxy(lambda e, sr: [b""], sock)
    _, out = _call(
        proxy, "/login", body=b"a" * 70_000, headers={"HTTP_TRANSFER_ENCODING": "chunked"}
    )
    assert json.loads(out)["body"] == "a" * 70_000


def test_primary_down_is_a_503(tmp_path: Path) -> None:
    proxy = PrimaryProxy(lambda e, sr: [b""], tmp_path / "gone.sock")
    status, _ = _call(proxy, "/api/v1/health")
    assert status.startswith("503")
