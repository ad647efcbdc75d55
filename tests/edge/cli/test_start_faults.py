"""Storage faults at start: the real ``tilledge serve`` (and another command
that opens the box) exits before listening with one line on stderr naming
the file and the fix, an exit code per class (docs/cli.md), no traceback;
under systemd it never says ``READY=1`` and its ``STATUS=`` says why.

Faults that root would not see through file modes (read-only, full) are made
in a private mount namespace (tests/support/mountns.py)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from edge.platform.preflight import EXIT_CODES
from tests.support import mountns
from tests.support.live import TILLEDGE, free_tcp_port, serve_env

needs_mountns = pytest.mark.skipif(not mountns.available(), reason="unshare -rm cannot mount")


def make_box(tmp_path: Path) -> tuple[Path, Path]:
    """A provisioned box (config, migrated database): its config and data dir."""
    data = tmp_path / "data"
    config = tmp_path / "tilledge.toml"
    config.write_text(f'[box]\ndata_dir = "{data}"\n', encoding="utf-8")
    subprocess.run(
        [TILLEDGE, "--config", str(config), "db", "migrate"],
        env=serve_env(), check=True, capture_output=True,
    )  # fmt: skip
    return config, data


def serve_argv(config: Path) -> list[str]:
    port = free_tcp_port()
    return [TILLEDGE, "--config", str(config), "serve", "--listen", f"127.0.0.1:{port}"]


def run(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env={**serve_env(), **env}, capture_output=True, text=True, timeout=60
    )


def assert_one_line(result: subprocess.CompletedProcess[str], kind: str, *names: str) -> str:
    assert result.returncode == EXIT_CODES[kind], result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tilledge: ") and " — " in lines[0]
    for name in names:
        assert name in lines[0]
    assert "serving on" not in result.stderr  # it never listened
    return lines[0]


def test_corrupt_database_at_serve_and_at_another_command(tmp_path: Path) -> None:
    config, data = make_box(tmp_path)
    db = data / "tilledge.db"
    db.write_bytes(bytes(range(256)) * 32)  # garbage, no SQLite header
    line = assert_one_line(run(serve_argv(config)), "corrupt", str(db))
    assert "backup" in line
    assert_one_line(run([TILLEDGE, "--config", str(config), "terminal", "list"]), "corrupt")


def test_data_dir_missing_with_its_parent_at_serve(tmp_path: Path) -> None:
    data = tmp_path / "unmounted" / "data"
    config = tmp_path / "tilledge.toml"
    config.write_text(f'[box]\ndata_dir = "{data}"\n', encoding="utf-8")
    assert_one_line(run(serve_argv(config)), "data_dir", str(data), "box.data_dir")
    assert not data.parent.exists()  # nothing was created at a mistyped path


@needs_mountns
def test_read_only_database_at_serve(tmp_path: Path) -> None:
    config, data = make_box(tmp_path)
    db = data / "tilledge.db"
    result = run(mountns.command(mountns.read_only(db), serve_argv(config)))
    assert "chown" in assert_one_line(result, "read_only", str(db))


@needs_mountns
def test_read_only_data_dir_at_serve(tmp_path: Path) -> None:
    config, data = make_box(tmp_path)
    result = run(mountns.command(mountns.read_only(data), serve_argv(config)))
    assert_one_line(result, "data_dir", str(data))


@needs_mountns
def test_full_disk_at_serve(tmp_path: Path) -> None:
    config, data = make_box(tmp_path)
    seed = tmp_path / "seed"
    data.rename(seed)
    data.mkdir(mode=0o700)
    ballast = data / "ballast"
    prelude = (
        mountns.tmpfs(data, "2m", seed=seed)
        + f"\n(umask 077; cat /dev/zero > {ballast}) 2>/dev/null || true"
    )
    result = run(mountns.command(prelude, serve_argv(config)))
    assert "df -h" in assert_one_line(result, "full", str(data))


def test_fault_under_systemd_sends_status_and_never_ready(tmp_path: Path) -> None:
    config, data = make_box(tmp_path)
    (data / "tilledge.db").write_bytes(b"not a database" * 512)
    addr = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(addr)
        result = run(serve_argv(config), NOTIFY_SOCKET=addr)
        notify.setblocking(False)
        messages = []
        while True:
            try:
                messages.append(notify.recv(4096).decode())
            except BlockingIOError:
                break
    line = assert_one_line(result, "corrupt")
    assert not any("READY=1" in m for m in messages), messages
    assert f"STATUS={line}" in messages, messages
