"""The box firewall's share of the front door: an nftables rule set that caps
what one client address may hold on the served port.

granian (``edge/serving/server.py``) closes slow headers, but offers no cap per
client address (nor TLS handshake or idle keep-alive timeouts): one guest phone
could still hold thousands of idle sockets. The kernel counts them for free
(``ct count`` per source address in a dynamic set, as iptables' connlimit did)
and refuses a new connection beyond ``server.connections_per_address`` with a
TCP reset, before granian sees it. A second rule limits how fast one address
may open connections (``server.new_connections_per_second``, burst twice
that), so a connect flood is refused in the kernel too.

The rule set is rendered from the config each time it is loaded
(``tilledge firewall apply``, run by ``tilledge-limits.service`` before
``tilledge.service``), not templated once at provision time: the port and the
limits are then always what ``tilledge.toml`` says, even after an edit by hand.
It lives in its own table ``inet tilledge`` and replaces only that table
atomically, never the rest of the host's firewall.
"""

from __future__ import annotations

import shutil
import subprocess

from edge.platform.config import Config
from edge.serving.server import split_listen

__all__ = ["TABLE", "apply", "remove", "ruleset", "summary"]

TABLE = "inet tilledge"
#: How long a rate-limit entry of a quiet address is kept.
RATE_ENTRY_TIMEOUT = "1m"


def ruleset(config: Config) -> str:
    """The ``nft -f`` input for ``config``: (re)creates table ``inet tilledge``."""
    _, port = split_listen(config.server.listen)
    cap = config.server.connections_per_address
    rate = config.server.new_connections_per_second
    rules = []
    for family, saddr in (("4", "ip saddr"), ("6", "ip6 saddr")):
        rules.append(
            f"\t\ttcp dport {port} ct state new add @conn{family} "
            f"{{ {saddr} ct count over {cap} }} counter reject with tcp reset"
        )
        if rate:
            rules.append(
                f"\t\ttcp dport {port} ct state new add @rate{family} "
                f"{{ {saddr} limit rate over {rate}/second burst {2 * rate} packets }}"
                " counter reject with tcp reset"
            )
    sets = []
    for family, kind in (("4", "ipv4_addr"), ("6", "ipv6_addr")):
        sets.append(f"\tset conn{family} {{ type {kind}; size 65535; flags dynamic; }}")
        if rate:
            sets.append(
                f"\tset rate{family} {{ type {kind}; size 65535; flags dynamic,timeout;"
                f" timeout {RATE_ENTRY_TIMEOUT}; }}"
            )
    return "\n".join(
        [
            f"# TillEdge: per-client-address limits on port {port} (tilledge firewall show)",
            # Declare, then delete: replaces the table in one transaction,
            # whether or not it existed.
            f"table {TABLE}",
            f"delete table {TABLE}",
            f"table {TABLE} {{",
            *sets,
            "\tchain input {",
            "\t\ttype filter hook input priority filter; policy accept;",
            *rules,
            "\t}",
            "}",
            "",
        ]
    )


def summary(config: Config) -> str:
    """The limits in one line, as the technician set them."""
    s = config.server
    rate = s.new_connections_per_second or "unlimited"
    return f"{s.connections_per_address} connections per address on {s.listen}, {rate} new/s"


def _nft(args: list[str], stdin: str | None = None) -> None:
    nft = shutil.which("nft")
    if nft is None:
        raise RuntimeError("nft is not installed (apt-get install nftables)")
    res = subprocess.run(
        [nft, *args], input=stdin, capture_output=True, text=True, timeout=30, check=False
    )
    if res.returncode != 0:
        raise RuntimeError(f"nft {' '.join(args)}: {res.stderr.strip() or res.returncode}")


def apply(config: Config, *, check_only: bool = False) -> None:
    """Load the rule set (``check_only``: let nft parse it, load nothing)."""
    _nft(["-c", "-f", "-"] if check_only else ["-f", "-"], ruleset(config))


def remove() -> None:
    """Drop table ``inet tilledge`` (absent: nothing to do)."""
    _nft(["-f", "-"], f"table {TABLE}\ndelete table {TABLE}\n")
