"""32 parallel logins with unknown names from 32 addresses against the real
``tilledge serve`` (issue #15) while a till reads a customer: every login is
answered, the hash gate turns some away with 429, every API request succeeds.
Behaviour only; the latency ratio is benchmarks/bench_login_flood.py's."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.support.live import add_terminal, api_call, free_tcp_port, serving_healthy, sim_config
from tests.support.login_flood import flood, loopback_addresses


def test_login_flood_is_answered_and_the_api_keeps_serving(tmp_path: Path) -> None:
    port = free_tcp_port()
    cfg = sim_config(tmp_path, port)
    till = add_terminal(cfg, "Till 1")
    with serving_healthy(cfg, port):
        status, customer, _ = api_call(port, till, "POST", "/customers", {"last_name": "Kern"})
        assert status == 201, customer
        done = threading.Event()
        api: list[int] = []

        def read_customer() -> None:
            while not done.is_set() or len(api) < 20:
                api.append(api_call(port, till, "GET", f"/customers/{customer['id']}")[0])

        reader = threading.Thread(target=read_customer)
        reader.start()
        try:
            statuses = flood(port, loopback_addresses(32), rounds=3)
        finally:
            done.set()
            reader.join(60)
    assert sum(statuses.values()) == 32 * 3, statuses  # every login answered
    assert set(statuses) <= {401, 429}, statuses  # wrong, or refused before a hash
    assert statuses[429] > 0, statuses  # the gate turned some away
    assert api and set(api) == {200}, api
