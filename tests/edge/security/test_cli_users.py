"""``tilledge user add|list|totp|unlock``: no default password, ever."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
import pytest
from click.testing import CliRunner

from edge.cli import cli
from edge.serving.discovery import Announcer, _instance_name


@pytest.fixture
def cfg_file(tmp_path: Path) -> Path:
    path = tmp_path / "tilledge.toml"
    path.write_text(f'[box]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    return path


def run(cfg_file: Path, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--config", str(cfg_file), *args], input=input)


def test_user_add_needs_a_password(cfg_file: Path) -> None:
    r = run(cfg_file, "user", "add", "anna", "--role", "manager", "--password-stdin", input="\n")
    assert r.exit_code != 0 and "at least" in r.stderr
    r = run(cfg_file, "user", "add", "anna", "--role", "manager", input="")  # prompt, no input
    assert r.exit_code != 0
    r = run(cfg_file, "user", "add", "anna", "--role", "root", "--password-stdin", input="x" * 12)
    assert r.exit_code != 0


def test_user_add_list_totp_unlock(cfg_file: Path) -> None:
    r = run(
        cfg_file,
        "user",
        "add",
        "anna",
        "--role",
        "admin",
        "--password-stdin",
        "--json",
        input="a long enough secret\n",
    )
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout) == {"id": "1", "name": "anna", "role": "admin"}
    prompted = run(
        cfg_file,
        "user",
        "add",
        "bob",
        "--role",
        "cashier",
        input="another long secret\nanother long secret\n",
    )
    assert prompted.exit_code == 0, prompted.stderr
    r = run(cfg_file, "user", "totp", "anna", "--json")
    info = json.loads(r.stdout)
    assert pyotp.TOTP(info["secret"]).now().isdigit()
    assert info["uri"].startswith("otpauth://totp/TillEdge:anna")
    rows = json.loads(run(cfg_file, "user", "list", "--json").stdout)
    assert [(u["name"], u["role"], u["totp"]) for u in rows] == [
        ("anna", "admin", True),
        ("bob", "cashier", False),
    ]
    assert "password" not in json.dumps(rows)
    assert run(cfg_file, "user", "unlock", "anna").exit_code == 0
    assert run(cfg_file, "user", "unlock", "nobody").exit_code != 0


def test_instance_name_fits_a_dns_label() -> None:
    name = _instance_name("Ä" * 80, "0123456789abcdef")
    label = name.removesuffix("._tilledge._tcp.local.")
    assert len(label.encode()) <= 63 and label.endswith("(0123456789abcdef)")


def test_announcer_addresses_follow_the_listen_host() -> None:
    wildcard = Announcer(
        interfaces=["127.0.0.1", "192.0.2.10"], box_id="b", name="n", version="v", port=1
    )
    assert wildcard.addresses == ["127.0.0.1", "192.0.2.10"]
    specific = Announcer(
        interfaces=["127.0.0.1"], box_id="b", name="n", version="v", port=1, listen_host="::1"
    )
    assert specific.addresses == ["::1"] and specific.props["scheme"] == "http"
