"""16 terminals spending from one card at once over real HTTP: no overdraft."""

from __future__ import annotations

import threading

import pytest
from cheroot import wsgi

from edge import ledger
from tests.support.live import api_call


@pytest.fixture
def live(app):
    server = wsgi.Server(("127.0.0.1", 0), app, numthreads=20, request_queue_size=64)
    server.prepare()
    threading.Thread(target=server.serve, daemon=True).start()
    yield server.bind_addr[1]
    server.stop()


def post(port, token, path, body):
    return api_call(port, token, "POST", path, body, timeout=30)[:2]


def test_sixteen_terminals_spend_from_one_card(live, box, make_token, new_customer):
    cid = new_customer()
    box.db.write(
        lambda conn: conn.execute(
            "INSERT INTO cards (uid, customer_id, created_at, created_by) VALUES"
            " ('04A1B2C3D4E5F6', ?, 'x', 'x')",
            [int(cid)],
        )
    )
    token = make_token("pos")
    status, _ = post(live, token, f"/customers/{cid}/topups", {"amount": 10000})  # + 1000 bonus
    assert status == 201
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(16)

    def terminal(i: int) -> None:
        barrier.wait()
        for j in range(10):
            if (i + j) % 2:
                res = post(live, token, f"/customers/{cid}/payments", {"amount": 100})
            else:
                res = post(
                    live,
                    token,
                    "/checkouts",
                    {
                        "card_uid": "04:a1:b2:c3:d4:e5:f6",
                        "receipt_no": f"T{i}-{j}",
                        "lines": [{"unit_price": 100, "quantity": "1", "vat_rate_bp": 1900}],
                        "tenders": [{"type": "credit", "amount": 100}],
                    },
                )
            with lock:
                results.append(res)

    threads = [threading.Thread(target=terminal, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [r for s, r in results if s == 201]
    refused = [r for s, r in results if s == 409]
    assert len(ok) + len(refused) == 160, [s for s, _ in results if s not in (201, 409)]
    assert all(r["code"] == "insufficient_funds" for r in refused)
    # 11000 available, 160 x 100 asked: exactly 110 succeed, never more
    assert len(ok) == 110
    row = (
        box.db.reader()
        .execute("SELECT cash, bonus FROM balances WHERE customer_id = ?", [int(cid)])
        .fetchone()
    )
    assert tuple(row) == (0, 0)
    report = ledger.verify_journal(box.config.db_path)
    assert report.ok, report
