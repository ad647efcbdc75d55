"""The box firewall (``tilledge firewall``, edge/serving/limits.py) for real:
nftables in a private network namespace caps the connections one client
address holds on the served port and the rate it opens them, while another
address still connects."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from edge.platform.config import load_config
from edge.serving import limits
from tests.support.netns import in_netns, netns_unavailable
from tests.support.paths import ROOT

SKIP = netns_unavailable("nft")
pytestmark = [pytest.mark.netns, pytest.mark.skipif(SKIP is not None, reason=SKIP or "")]


@pytest.fixture(scope="module")
def observed() -> dict[str, Any]:
    probe = ROOT / "tests" / "support" / "firewall_probe.py"
    r = in_netns([sys.executable, str(probe)], timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_without_the_rules_one_address_holds_as_many_as_it_likes(
    observed: dict[str, Any],
) -> None:
    cap = observed["cap"]
    assert observed["without_rules"] == {"ok": cap + 4, "refused": 0}


def test_one_address_is_capped_another_still_connects(observed: dict[str, Any]) -> None:
    assert observed["apply"]["rc"] == 0, observed["apply"]["stderr"]
    assert "5 connections per address" in observed["apply"]["stderr"]
    assert observed["one_address"] == {"ok": observed["cap"], "refused": 4}
    assert observed["other_address_connects"] is True
    assert observed["freed_place_reused"] is True
    assert (
        "ct count over 5" in observed["ruleset"] and "reject with tcp reset" in observed["ruleset"]
    )
    assert "tcp dport 8443" in observed["ruleset"]


def test_a_connect_flood_from_one_address_is_rate_limited(observed: dict[str, Any]) -> None:
    assert observed["reapply_rc"] == 0
    flood = observed["flood"]
    # 5/s, burst 10: about ten get in at once, the rest of the 40 are refused.
    assert 10 <= flood["ok"] < 20 and flood["refused"] == 40 - flood["ok"]
    assert observed["flood_other_address_connects"] is True


def test_remove_drops_the_limits(observed: dict[str, Any]) -> None:
    assert observed["remove_rc"] == 0
    assert observed["after_remove"] == {"ok": observed["cap"] + 4, "refused": 0}


def test_the_rule_set_follows_the_config(tmp_path: Any) -> None:
    cfg = tmp_path / "t.toml"
    cfg.write_text(
        '[server]\nlisten = "0.0.0.0:9443"\nconnections_per_address = 7\n'
        "new_connections_per_second = 0\n"
    )
    text = limits.ruleset(load_config(cfg, environ={}))
    assert "tcp dport 9443" in text and "ct count over 7" in text
    assert "limit rate" not in text  # 0: no rate limit
    assert text.index("delete table inet tilledge") < text.index("table inet tilledge {")
