"""A private network namespace for a test (``unshare -rn``): nothing it does
touches the machine's interfaces or firewall (recipe in DESIGN.md)."""

from __future__ import annotations

import shlex
import shutil
import subprocess

# Loopback up, multicast on it (mDNS), multicast routed to it.
NETNS_SETUP = (
    "ip link set lo up; ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo; exec "
)


def netns_unavailable(*tools: str) -> str | None:
    """Why a namespace cannot be had here (``tools`` also needed), or None."""
    for tool in ("unshare", "ip", *tools):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    try:
        r = subprocess.run(
            ["unshare", "-rn", "sh", "-c", NETNS_SETUP + "true"],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unshare -rn failed: {e}"
    if r.returncode != 0:
        return f"unshare -rn is not permitted here: {r.stderr.decode().strip()}"
    return None


def in_netns(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in a fresh namespace with :data:`NETNS_SETUP` done."""
    cmd = NETNS_SETUP + " ".join(shlex.quote(a) for a in argv)
    return subprocess.run(
        ["unshare", "-rn", "sh", "-c", cmd], capture_output=True, text=True, timeout=timeout
    )
