"""Money operations handed from an API worker to the primary (edge/primary_writes.py)
over a real Unix socket: two boxes on one database, as a worker and the primary
are two processes. (Every money rule also runs through this path: see
``writes_in`` in conftest.py.)"""

from __future__ import annotations

import socket
import stat
import struct
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from edge import create_app
from edge.money.basket import BasketIn
from edge.platform.box import Box
from edge.platform.config import Config
from edge.serving.primary_writes import PrimaryWrites, WritesServer


@pytest.fixture
def worker(config: Config, box: Box, tmp_path: Path) -> Iterator[tuple[Flask, WritesServer]]:
    """A second app on the same database whose money goes to ``box`` (the primary)."""
    server = WritesServer(box, tmp_path / "writes.sock")
    server.start()
    worker_box = Box.open(config, migrate=False)  # as edge.serving.workers.worker_app
    worker_box.services["primary_writes"] = PrimaryWrites(server.path)
    app = create_app(box=worker_box)
    yield app, server
    app.extensions["tilledge"].close()
    server.stop()


def test_the_primary_commits_and_a_retry_replays(worker, box, make_token, new_customer, api_client):
    api = api_client(worker[0], make_token("pos", name="till-7"))
    worker_box: Box = worker[0].extensions["tilledge"]
    cid = new_customer()
    before = box.db.writer.operations
    r = api.post(f"/customers/{cid}/topups", {"amount": 10000, "receipt_no": "T-1"}, idem="k-1")
    assert r.status_code == 201, r.json
    assert r.json["cash"] == 10000 and r.json["bonus"] == 1000  # 10 % from 50.00 (conftest)
    assert r.json["entries"][0]["actor"] == "terminal:1 till-7"  # who asked, not the primary
    assert box.db.writer.operations == before + 1  # committed by the primary's writer
    assert worker_box.db.writer.operations == 0  # the worker wrote nothing itself

    again = api.post(f"/customers/{cid}/topups", {"amount": 10000, "receipt_no": "T-1"}, idem="k-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.data == r.data
    other = api.post(f"/customers/{cid}/topups", {"amount": 1}, idem="k-1")
    assert other.status_code == 422 and other.json["code"] == "idempotency_conflict"
    assert other.mimetype == "application/problem+json"


def test_a_refusal_keeps_its_numbers_and_writes_nothing(
    worker, box, make_token, new_customer, api_client
):
    api = api_client(worker[0], make_token("pos"))
    cid = new_customer()
    api.post(f"/customers/{cid}/topups", {"amount": 300})
    journal = box.db.reader().execute("SELECT count(*) FROM journal").fetchone()[0]
    r = api.post(f"/customers/{cid}/payments", {"amount": 500}, idem="pay-1")
    assert r.status_code == 409 and r.mimetype == "application/problem+json"
    assert r.json["code"] == "insufficient_funds"
    assert r.json["available"] == 300 and r.json["amount"] == 500 and r.json["remaining"] == 200
    assert box.db.reader().execute("SELECT count(*) FROM journal").fetchone()[0] == journal
    replay = api.post(f"/customers/{cid}/payments", {"amount": 500}, idem="pay-1")
    assert replay.status_code == 409 and replay.data == r.data
    assert replay.headers["Idempotent-Replayed"] == "true"


def test_every_worker_thread_dials_in_at_once(worker, box, make_token, new_customer, api_client):
    # Two granian workers of 32 threads each: 64 first connections at the same
    # moment (a backlog of 5 refused some with EAGAIN), then steady spending.
    token = make_token("pos")
    cid = new_customer()
    api_client(worker[0], token).post(f"/customers/{cid}/topups", {"amount": 3200})
    answers: list[int] = []
    start = threading.Barrier(64)

    def pay() -> None:
        api = api_client(worker[0], token)  # a client per thread, as granian's threads
        start.wait()
        for _ in range(2):
            answers.append(api.post(f"/customers/{cid}/payments", {"amount": 50}).status_code)

    threads = [threading.Thread(target=pay) for _ in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers.count(201) == 64 and answers.count(409) == 64, answers  # 3200 / 50
    row = box.db.reader().execute("SELECT cash, bonus FROM balances WHERE customer_id = ?", [cid])
    assert tuple(row.fetchone()) == (0, 0)


def test_the_socket_is_for_this_user_only(worker) -> None:
    _, server = worker
    assert stat.S_IMODE(server.path.stat().st_mode) == 0o600


def test_primary_down_is_a_503_with_retry_advice(
    worker, make_token, new_customer, tmp_path, api_client
):
    app, _ = worker
    app.extensions["tilledge"].services["primary_writes"] = PrimaryWrites(tmp_path / "gone.sock")
    api = api_client(app, make_token("pos"))
    r = api.post(f"/customers/{new_customer()}/topups", {"amount": 100})
    assert r.status_code == 503 and r.json["code"] == "unavailable"
    assert "same Idempotency-Key" in r.json["detail"] and r.headers["Retry-After"] == "1"


def test_garbage_on_the_socket_closes_only_that_connection(
    worker, make_token, new_customer, api_client
):
    app, server = worker
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(str(server.path))
        s.sendall(struct.pack("!I", 5) + b"nope!")
        assert s.recv(10) == b""  # closed, no answer
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(str(server.path))
        s.sendall(struct.pack("!I", 2**31))  # a length no worker sends
        assert s.recv(10) == b""
    api = api_client(app, make_token("pos"))
    assert api.post(f"/customers/{new_customer()}/topups", {"amount": 100}).status_code == 201


def test_an_unknown_operation_is_refused_not_run(worker) -> None:
    _, server = worker
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(str(server.path))
        data = b'{"op":"drop_tables","key":null,"actor":["x","y"],"args":[]}'
        s.sendall(struct.pack("!I", len(data)) + data)
        (length,) = struct.unpack("!I", s.recv(4))
        assert s.recv(length) == b'{"failed":true}'


@pytest.mark.parametrize(
    "basket",
    [
        {"card_uid": "04A1B2C3D4E5F6", "lines": [{"unit_price": 1999}]},
        {
            "customer_id": "7",
            "receipt_no": "R-9",
            "redeem_points": 40,
            "print_receipt": True,
            "lines": [
                {"sku": "A", "name": "Brot", "quantity": "0.250", "unit_price": 380},
                {"quantity": 3, "unit_price": 0, "vat_rate_bp": 700, "discountable": False},
            ],
            "tenders": [{"type": "cash", "amount": 500}, {"type": "credit", "amount": None}],
        },
    ],
)
def test_a_basket_survives_the_wire(basket) -> None:
    model = BasketIn.model_validate(basket)
    assert BasketIn.model_validate(model.model_dump(mode="json")) == model


def test_a_restarted_socket_is_redialled(
    worker, box, make_token, new_customer, tmp_path, api_client
):
    app, server = worker
    api = api_client(app, make_token("pos"))
    cid = new_customer()
    assert api.post(f"/customers/{cid}/topups", {"amount": 100}).status_code == 201
    server.stop()  # the kept-open connection of this thread is now dead
    again = WritesServer(box, server.path)
    again.start()
    try:
        key = str(uuid.uuid4())
        assert api.post(f"/customers/{cid}/topups", {"amount": 100}, idem=key).status_code == 201
    finally:
        again.stop()


def test_a_primary_that_never_answers_is_a_503_not_a_hang(
    make_token, new_customer, app, tmp_path, api_client
):
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.bind(str(tmp_path / "silent.sock"))
    silent.listen(1)  # accepts (the kernel does), never answers
    box: Box = app.extensions["tilledge"]
    box.services["primary_writes"] = PrimaryWrites(tmp_path / "silent.sock", timeout=0.3)
    try:
        api = api_client(app, make_token("pos"))
        r = api.post(f"/customers/{new_customer()}/topups", {"amount": 1})
        assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    finally:
        del box.services["primary_writes"]
        silent.close()
