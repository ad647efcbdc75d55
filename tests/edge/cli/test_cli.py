"""Every CLI command through click's runner, and the real binary in a subprocess."""

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from edge import __version__
from edge.cli import cli
from tests.support.paths import ROOT


@pytest.fixture
def demo_dir(tmp_path):
    d = tmp_path / "demo"
    r = CliRunner().invoke(cli, ["demo", "--dir", str(d), "--customers", "3", "--json"])
    assert r.exit_code == 0, r.output
    return d


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_version():
    r = run("--version")
    assert r.exit_code == 0
    assert __version__ in r.output


def test_demo_creates_config_database_and_token(tmp_path):
    d = tmp_path / "demo"
    r = run("demo", "--dir", str(d), "--customers", "5", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert Path(data["config"]).exists()
    assert Path(data["database"]).exists()
    assert data["token"].startswith("te_")
    assert set(data["scopes"]) >= {"pos"}
    # twice: refused, unless --if-missing
    r2 = run("demo", "--dir", str(d))
    assert r2.exit_code != 0 and "exists" in r2.output
    assert run("demo", "--dir", str(d), "--if-missing").exit_code == 0


def test_db_migrate_json(demo_dir):
    r = run("--config", str(demo_dir / "tilledge.toml"), "db", "migrate", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["applied"] == []
    assert data["version"]


def test_db_migrate_on_empty_dir(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[box]\ndata_dir = "{tmp_path / "data"}"\n')
    r = run("--config", str(cfg), "db", "migrate")
    assert r.exit_code == 0, r.output
    assert "applied" in r.output
    assert (tmp_path / "data" / "tilledge.db").exists()


def test_db_backup(demo_dir, tmp_path):
    target = tmp_path / "backup.db"
    r = run("--config", str(demo_dir / "tilledge.toml"), "db", "backup", str(target), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["integrity"] == "ok"
    conn = sqlite3.connect(target)
    assert conn.execute("SELECT count(*) FROM terminals").fetchone()[0] >= 1
    conn.close()
    again = run("--config", str(demo_dir / "tilledge.toml"), "db", "backup", str(target))
    assert again.exit_code != 0


def test_bad_config_exits_nonzero_with_one_line(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[ledger]\nmax_topup = 'x'\n")
    r = run("--config", str(cfg), "db", "migrate")
    assert r.exit_code == 1
    assert "ledger.max_topup" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_serve_refuses_plain_http_off_loopback(demo_dir):
    r = run(
        "--config",
        str(demo_dir / "tilledge.toml"),
        "serve",
        "--listen",
        "0.0.0.0:0",
        "--tls",
        "off",
    )
    assert r.exit_code != 0
    assert "loopback" in r.stderr


def _all_commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        if isinstance(cmd, click.Group):
            names += _all_commands(cmd, full + " ")
        else:
            names.append(full)
    return names


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in _all_commands(cli) if f"tilledge {c}" not in readme]
    assert not missing, f"document these in README.md: {missing}"


def test_every_command_has_help():
    for c in _all_commands(cli):
        r = run(*c.split(), "--help")
        assert r.exit_code == 0, c
        assert "Usage:" in r.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_real_subprocess_serve_and_sigterm(demo_dir):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TILLEDGE_")}
    exe = Path(sys.executable).parent / "tilledge"
    proc = subprocess.Popen(
        [
            str(exe),
            "--config",
            str(demo_dir / "tilledge.toml"),
            "serve",
            "--listen",
            f"127.0.0.1:{port}",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        body = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/health", timeout=2
                ) as r:
                    body = json.load(r)
                    assert r.headers["Server"].startswith("tilledge")
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(proc.stderr.read().decode())
                time.sleep(0.1)
        assert body is not None and body["status"] in ("ok", "degraded")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read().decode()
    assert re.search(rf"serving on http://127\.0\.0\.1:{port}", err), err


def test_real_subprocess_version_and_exit_codes(tmp_path):
    exe = Path(sys.executable).parent / "tilledge"
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert __version__ in out.stdout
    bad = subprocess.run(
        [str(exe), "--config", str(tmp_path / "missing.toml"), "db", "migrate"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert "file not found" in bad.stderr
