"""``tilledge support-bundle``: what support needs, and no secret or customer
data — checked by reading the tar.gz the command wrote."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from tests.support.live import TILLEDGE, serve_env


def tilledge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TILLEDGE, *args], env=serve_env(), capture_output=True, text=True, check=True,
        timeout=120,
    )  # fmt: skip


def test_bundle_holds_versions_config_doctor_devices_schema_and_logs(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    tilledge("demo", "--dir", str(demo), "--customers", "3")
    config = demo / "tilledge.toml"
    out = tmp_path / "bundle.tar.gz"
    res = tilledge("--config", str(config), "support-bundle", "--out", str(out), "--json")
    assert json.loads(res.stdout)["bundle"] == str(out)
    with tarfile.open(out) as tar:
        names = {Path(m.name).name: m for m in tar.getmembers()}
        assert set(names) >= {
            "versions.json", "config-file.json", "config-effective.json", "doctor.json",
            "devices.json", "schema.json",
        }  # fmt: skip
        assert {"logs.txt", "journal.txt"} & set(names)
        read = {n: tar.extractfile(m).read() for n, m in names.items()}  # type: ignore[union-attr]
    assert json.loads(read["versions.json"])["tilledge"]
    assert json.loads(read["schema.json"])["migrations"]
    assert json.loads(read["doctor.json"])["status"] in ("ok", "warn", "fail")
    effective = json.loads(read["config-effective.json"])
    assert effective["box"]["data_dir"] == str(demo / "data")
    blob = b"".join(read.values())
    token = (demo / "demo-token.txt").read_text().strip().encode()
    assert token not in blob
    # No customer data: the demo's customers' names are nowhere in it.
    conn = sqlite3.connect(demo / "data" / "tilledge.db")
    names_in_db = [r[0] for r in conn.execute("SELECT last_name FROM customers") if r[0]]
    conn.close()
    assert names_in_db and not [n for n in names_in_db if n.encode() in blob]


def test_secret_keys_are_redacted_paths_kept() -> None:
    from edge.cli.support_commands import REDACTED, redact

    got = redact(
        {"mail": {"password": "hunter2", "password_file": "/etc/tilledge/smtp", "host": "m"},
         "x": [{"api_token": "t"}], "security": {"tls_key": "/var/lib/tilledge/tls/key.pem"}}
    )  # fmt: skip
    assert got == {
        "mail": {"password": REDACTED, "password_file": "/etc/tilledge/smtp", "host": "m"},
        "x": [{"api_token": REDACTED}],
        "security": {"tls_key": "/var/lib/tilledge/tls/key.pem"},
    }
