"""The 5 MiB document limit on the wire, against the real ``tilledge serve``:
a client that declares too much is refused before it sends, one that lies
in ``Content-Length`` and one that sends chunked are cut at 5 MiB + 1 byte —
and nothing lands in the documents directory or the database."""

from __future__ import annotations

import json
import socket
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from edge.api.uploads import FRAMING
from edge.customers.documents.kinds import MAX_BYTES
from tests.support import documents as d
from tests.support.live import (
    add_terminal,
    free_tcp_port,
    insert_customer,
    serving_healthy,
    sim_config,
)

BOUNDARY = "docs19boundary"


def _parts(size: int) -> tuple[bytes, bytes, bytes]:
    """Head, a PDF body of ``size`` bytes, tail of one multipart request body."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    pdf = d.pdf()
    body = pdf + b"\n%" + b"x" * (size - len(pdf) - 2)
    return head, body, f"\r\n--{BOUNDARY}--\r\n".encode()


def _send(
    port: int, token: str, cid: int, headers: dict[str, str], chunks: list[bytes]
) -> tuple[int, Any]:
    """Send the request (stopping quietly when the server closes), read its answer."""
    lines = [
        f"POST /api/v1/customers/{cid}/documents HTTP/1.1",
        "Host: box",
        f"Authorization: Bearer {token}",
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
        "Connection: close",
    ]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            for chunk in chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the rest: what a cut looks like
        raw = b""
        try:
            while data := sock.recv(65536):
                raw += data
        except ConnectionResetError:
            pass
    status_line, _, rest = raw.partition(b"\r\n")
    body = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), body


def _chunked(data: bytes, size: int = 64 * 1024) -> list[bytes]:
    out = [
        b"%x\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size])
        for i in range(0, len(data), size)
    ]
    return [*out, b"0\r\n\r\n"]


def _nothing_stored(data: Path) -> None:
    docs = data / "documents"
    assert not docs.exists() or not [p for p in docs.rglob("*") if p.is_file()]
    with closing(sqlite3.connect(data / "tilledge.db")) as conn:
        assert conn.execute("SELECT count(*) FROM customer_documents").fetchone()[0] == 0


def test_too_large_bodies_are_cut_and_nothing_is_stored(tmp_path: Path) -> None:
    port = free_tcp_port()
    cfg = sim_config(tmp_path, port)
    token = add_terminal(cfg, "T1")
    data = tmp_path / "data"
    conn = sqlite3.connect(data / "tilledge.db")
    with conn:
        cid = insert_customer(conn, 10001, "Groß", "test")
    conn.close()
    head, body, tail = _parts(MAX_BYTES + 1)
    whole = head + body + tail
    with serving_healthy(cfg, port):
        # 1. Declared too large: refused before a byte of the body is read.
        status, answer = _send(port, token, cid, {"Content-Length": str(len(whole) + FRAMING)}, [])
        assert status == 413 and json.loads(answer)["code"] == "payload_too_large"
        # 2. Declares a length under the limit, sends a file past 5 MiB.
        lie = {"Content-Length": str(MAX_BYTES + FRAMING)}
        status, answer = _send(port, token, cid, lie, [whole, b"y" * FRAMING])
        assert status == 413, answer[:300]
        # 3. Chunked, no length at all.
        status, answer = _send(port, token, cid, {"Transfer-Encoding": "chunked"}, _chunked(whole))
        assert status == 413, answer[:300]
        _nothing_stored(data)
        # Exactly 5 MiB, chunked, still goes through.
        head, body, tail = _parts(MAX_BYTES)
        status, answer = _send(
            port, token, cid, {"Transfer-Encoding": "chunked"}, _chunked(head + body + tail)
        )
        assert status == 201, answer[:300]
        assert json.loads(answer)["size"] == MAX_BYTES
