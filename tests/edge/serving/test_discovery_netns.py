"""Discovery + pinned TLS end to end, in a private network namespace.

mDNS never touches a real interface: the probe runs under ``unshare -rn``
with only a multicast-enabled loopback (recipe in DESIGN.md).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from tests.support.netns import in_netns, netns_unavailable
from tests.support.paths import ROOT

SKIP = netns_unavailable()
pytestmark = [pytest.mark.netns, pytest.mark.skipif(SKIP is not None, reason=SKIP or "")]


def run_probe(*args: str) -> dict[str, Any]:
    probe = ROOT / "tests" / "support" / "netns_probe.py"
    r = in_netns([sys.executable, str(probe), *args], timeout=80)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_txt_update_reaches_browsers_and_stop_withdraws() -> None:
    out = run_probe("update")
    assert "error" not in out, out["error"]
    assert out["before"] == "Old Name" and out["after"] == "New Name"
    assert out["withdrawn"] is True


def test_announce_resolve_pin_and_withdraw() -> None:
    out = run_probe()
    assert "error" not in out, f"{out['error']}\n--- serve log ---\n{out['serve_log']}"
    props = out["properties"]
    assert props["name"] == "Café Netns"
    assert props["api"] == "/api/v1" and props["scheme"] == "https"
    assert len(props["box_id"]) == 16 and props["version"]
    assert len(props["tls_sha256"]) == 64
    assert out["addresses"] == ["127.0.0.1"] and out["port"] == 8443
    assert out["pinned_status_line"].endswith("200 OK")
    assert out["pinned_body"]["box_id"] == props["box_id"]
    assert out["wrong_fingerprint"] == "rejected"
    assert isinstance(out["discover"], list), out["discover"]
    assert [b["properties"]["box_id"] for b in out["discover"]] == [props["box_id"]]
    assert out["exit_code"] == 0
    assert out["withdrawn"] is True
