"""A demo box: config with simulated hardware, a database and demo data.

Used by the README's run command and by technicians showing the box before
any hardware is plugged in.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from edge.demo import customers as demo_customers
from edge.platform.box import Box
from edge.platform.config import load_config
from edge.security.tokens import issue_token

DEMO_CONFIG = """\
# TillEdge demo box: simulated hardware, loopback only.
[box]
name = "TillEdge Demo"
currency = "EUR"
country = "DE"
# A made-up shop: receipts and invoices need the seller's address and VAT id.
address = ["Musterstraße 1", "12345 Musterstadt"]
vat_id = "DE123456789"
data_dir = {data_dir}

[server]
listen = "127.0.0.1:8080"

[ledger]
max_topup = 50000
topup_bonus = [
    {{ from = 0, rate_bp = 0 }},
    {{ from = 2000, rate_bp = 500 }},
    {{ from = 5000, rate_bp = 1000 }},
]
points_per_eur = 1
point_value = 1

[devices.nfc]
readers = [{{ name = "till-1", uri = "udp:127.0.0.1:54321", terminal = "demo-till" }}]

[devices.printer]
uri = {printer_uri}

[devices.display]
uri = "sim:"

[discovery]
interfaces = ["127.0.0.1"]
"""


def create(directory: Path, *, customers: int = 200) -> dict[str, Any]:
    directory = directory.resolve()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    config_path = directory / "tilledge.toml"
    text = DEMO_CONFIG.format(
        data_dir=json.dumps(str(directory / "data")),
        printer_uri=json.dumps(f"sim:{directory / 'receipts'}"),
    )
    _write_private(config_path, text)
    config = load_config(config_path, environ={})
    with Box.open(config) as box:
        token = box.db.write(lambda conn: issue_token(conn, "demo-till", ["pos", "manager"]))
        made = demo_customers.seed(box, customers)
    _write_private(directory / "demo-token.txt", str(token["token"]) + "\n")
    return {
        "config": str(config_path),
        "database": str(config.db_path),
        "customers": made,
        "token": token["token"],
        "scopes": token["scopes"],
    }


def _write_private(path: Path, text: str) -> None:
    """Write ``path`` readable by this user only, whatever the caller's umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
