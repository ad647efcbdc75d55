"""``tilledge terminal add|list|revoke`` and ``tilledge pair`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli import cli
from edge.platform.config import load_config
from edge.platform.db import connect
from edge.security.tokens import lookup


@pytest.fixture
def cfg_file(tmp_path: Path) -> Path:
    path = tmp_path / "tilledge.toml"
    path.write_text(f'[box]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    return path


def run(cfg_file: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(cfg_file), *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_terminal_add_json_shape_and_list_and_revoke(cfg_file: Path) -> None:
    code, out, _ = run(cfg_file, "terminal", "add", "till-1", "--scope", "pos,manager", "--json")
    assert code == 0
    info = json.loads(out)
    assert set(info) == {"id", "name", "scopes", "token"}
    assert info["name"] == "till-1" and info["scopes"] == ["manager", "pos"]
    db_path = load_config(cfg_file, environ={}).db_path
    conn = connect(db_path)
    try:
        stored = conn.execute("SELECT token_hash FROM terminals").fetchone()[0]
        assert info["token"] not in stored  # only the hash is kept
        assert lookup(conn, info["token"]) is not None

        code, out, _ = run(cfg_file, "terminal", "list", "--json")
        rows = json.loads(out)
        assert code == 0 and rows[0]["name"] == "till-1" and "token" not in rows[0]

        code, out, _ = run(cfg_file, "terminal", "revoke", info["id"], "--json")
        assert code == 0 and json.loads(out) == {"id": info["id"], "revoked": True}
        assert lookup(conn, info["token"]) is None
    finally:
        conn.close()
    code, _, err = run(cfg_file, "terminal", "revoke", info["id"])
    assert code != 0 and err.startswith("tilledge: ")


def test_terminal_add_rejects_unknown_scope(cfg_file: Path) -> None:
    code, out, err = run(cfg_file, "terminal", "add", "x", "--scope", "pos,root", "--json")
    assert code != 0 and out == "" and "root" in err


def test_pair_code_json(cfg_file: Path) -> None:
    code, out, _ = run(cfg_file, "pair", "--scope", "pos", "--minutes", "5", "--json")
    assert code == 0
    info = json.loads(out)
    assert set(info) == {"code", "name", "scopes", "expires_at"}
    assert len(info["code"]) == 9 and info["code"][4] == "-"
