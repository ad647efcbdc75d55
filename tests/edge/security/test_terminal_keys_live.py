"""Idempotency keys belong to a terminal's id, through the real ``tilledge
serve`` process (issue #15): a device paired under another till's name gets a
free name, cannot replay that till's answers and cannot poison its keys."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support.live import (
    TILLEDGE,
    add_terminal,
    api_call,
    free_tcp_port,
    serve_env,
    serving_healthy,
    sim_config,
)


def _pairing_code(cfg: Path) -> str:
    out = subprocess.run(
        [TILLEDGE, "--config", str(cfg), "pair", "--scope", "pos", "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=serve_env(),
    )
    return str(json.loads(out.stdout)["code"])


def test_two_terminals_named_alike_have_their_own_keys(tmp_path: Path) -> None:
    port = free_tcp_port()
    cfg = sim_config(tmp_path, port)
    till = add_terminal(cfg, "Till 2")
    code = _pairing_code(cfg)
    with serving_healthy(cfg, port):
        status, paired, _ = api_call(port, "", "POST", "/pair", {"code": code, "name": "Till 2"})
        assert status == 201, paired
        assert paired["name"] == "Till 2 (2)"  # the name was taken: a free one
        rogue = str(paired["token"])

        status, customer, _ = api_call(port, till, "POST", "/customers", {"last_name": "Kern"})
        assert status == 201, customer
        topups = f"/customers/{customer['id']}/topups"

        # The rogue device uses the till's next key first, with another body …
        status, answer, replayed = api_call(port, rogue, "POST", topups, {"amount": 100}, "k-1")
        assert status == 201 and replayed is None, answer
        # … and the real till's top-up under that key is its own, not a conflict.
        status, answer, replayed = api_call(port, till, "POST", topups, {"amount": 5000}, "k-1")
        assert status == 201 and replayed is None, answer
        assert answer["entries"][0]["actor"] == "terminal:1 Till 2"

        # A retry by the till replays its own answer; the rogue's retry its own.
        status, again, replayed = api_call(port, till, "POST", topups, {"amount": 5000}, "k-1")
        assert (status, replayed) == (201, "true") and again == answer
        status, other, replayed = api_call(port, rogue, "POST", topups, {"amount": 100}, "k-1")
        assert (status, replayed) == (201, "true")
        assert other["entries"][0]["actor"] == f"terminal:{paired['id']} Till 2 (2)"

        status, now, _ = api_call(port, till, "GET", f"/customers/{customer['id']}")
        assert status == 200 and now["cash"] == 5100, now
