"""``tilledge doctor``: each fault it claims to detect, made for real and
reported with its fix and the exit code (0 ok, 1 warn, 2 fail)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from edge.doctor import examine_config
from edge.platform.config import load_config
from edge.security import tls
from tests.support import mountns
from tests.support.live import TILLEDGE, api_call, free_tcp_port, serve_env, serving, wait_healthy


def tilledge(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TILLEDGE, *args], env=serve_env(), capture_output=True, text=True, check=check,
        timeout=120,
    )  # fmt: skip


def doctor(config: Path) -> tuple[int, dict[str, list[dict[str, Any]]]]:
    res = tilledge("--config", str(config), "doctor", "--json", check=False)
    assert res.returncode in (0, 1, 2), res.stderr
    report = json.loads(res.stdout)
    by_check: dict[str, list[dict[str, Any]]] = {}
    for f in report["checks"]:
        by_check.setdefault(f["check"], []).append(f)
    return res.returncode, by_check


def statuses(report: dict[str, list[dict[str, Any]]], check: str) -> list[str]:
    return [f["status"] for f in report[check]]


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A demo box on a free port, backed up once, its certificate made."""
    demo = tmp_path / "demo"
    tilledge("demo", "--dir", str(demo), "--customers", "2")
    config = demo / "tilledge.toml"
    port = free_tcp_port()
    config.write_text(config.read_text().replace("127.0.0.1:8080", f"127.0.0.1:{port}"))
    tilledge("--config", str(config), "tls", "generate")
    tilledge("--config", str(config), "db", "backup", str(tmp_path / "backup.db"))
    return config


def test_a_serving_box_is_all_ok_and_exits_0(box: Path) -> None:
    port = load_config(box).server.listen.rsplit(":", 1)[1]
    token = (box.parent / "demo-token.txt").read_text().strip()
    with serving(box, stderr=subprocess.DEVNULL):
        wait_healthy(int(port), timeout=60, interval=0.2)
        assert api_call(int(port), token, "POST", "/customers/1/topups", {"amount": 500})[0] == 201
        code, report = doctor(box)
    bad = {c: fs for c, fs in report.items() if any(f["status"] != "ok" for f in fs)}
    assert (code, bad) == (0, {})
    assert "1 entries" in report["ledger"][0]["detail"]
    assert statuses(report, "mdns") == ["ok"]


def test_a_stopped_service_is_a_warning_with_the_fix(box: Path) -> None:
    code, report = doctor(box)
    assert code == 1
    assert statuses(report, "service") == ["warn"]
    assert "systemctl start tilledge" in report["service"][0]["fix"]


def test_files_others_can_read_are_named(box: Path) -> None:
    db = load_config(box).db_path
    db.chmod(0o644)
    code, report = doctor(box)
    assert code == 1
    (finding,) = report["files"]
    assert finding["status"] == "warn" and f"{db} (0644)" in finding["detail"]
    assert "chmod" in finding["fix"]


def test_a_missing_printer_is_reported(box: Path) -> None:
    port = free_tcp_port()  # nothing listens there
    box.write_text(
        box.read_text().replace('uri = "sim:', f'uri = "tcp:127.0.0.1:{port}"\n# was "sim:', 1)
    )
    code, report = doctor(box)
    assert code == 1
    assert statuses(report, "device:printer") == ["warn"]


def test_an_expired_certificate_fails(box: Path) -> None:
    config = load_config(box)
    cert, key = tls.default_paths(config)
    tls.generate(cert, key, common_name="box", days=1)
    later = examine_config(config, now=datetime.now(UTC) + timedelta(days=2))
    (finding,) = [f for f in later.findings if f.check == "tls"]
    assert (finding.status, later.exit_code) == ("fail", 2)
    assert "expired" in finding.detail and "tls generate --force" in finding.fix


def test_a_certificate_about_to_expire_warns(box: Path) -> None:
    config = load_config(box)
    tls.generate(*tls.default_paths(config), common_name="box", days=10)
    assert statuses(doctor(box)[1], "tls") == ["warn"]


def test_a_clock_behind_the_journal_fails(box: Path) -> None:
    config = load_config(box)
    port = config.server.listen.rsplit(":", 1)[1]
    token = (box.parent / "demo-token.txt").read_text().strip()
    with serving(box, stderr=subprocess.DEVNULL):
        wait_healthy(int(port), timeout=60, interval=0.2)
        assert api_call(int(port), token, "POST", "/customers/1/topups", {"amount": 500})[0] == 201
    now = datetime.now(UTC)
    assert not [f for f in examine_config(config, now=now).findings if f.check == "clock"
                and f.status == "fail"]  # fmt: skip
    behind = examine_config(config, now=now - timedelta(hours=3))
    (finding,) = [f for f in behind.findings if f.check == "clock" and f.status == "fail"]
    assert "behind the newest journal entry" in finding.detail
    assert behind.exit_code == 2


def test_a_stale_backup_warns_and_a_fresh_one_is_ok(box: Path) -> None:
    config = load_config(box)
    now = datetime.now(UTC)
    fresh = [f for f in examine_config(config, now=now).findings if f.check == "backup"]
    stale = [f for f in examine_config(config, now=now + timedelta(days=3)).findings
             if f.check == "backup"]  # fmt: skip
    assert [f.status for f in fresh] == ["ok"]
    assert [f.status for f in stale] == ["warn"] and "3 day(s) ago" in stale[0].detail


def test_a_box_never_backed_up_warns(tmp_path: Path) -> None:
    tilledge("demo", "--dir", str(tmp_path / "d"), "--customers", "1")
    _, report = doctor(tmp_path / "d" / "tilledge.toml")
    assert report["backup"][0]["detail"] == "no backup recorded"


def test_a_broken_config_fails_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[server]\nworkers = 99\n")
    code, report = doctor(config)
    assert code == 2
    assert "workers" in report["config"][0]["detail"]


def test_a_corrupt_database_fails(box: Path) -> None:
    db = load_config(box).db_path
    with db.open("r+b") as f:
        f.seek(4096 * 2)
        f.write(b"\xff" * 4096)
    code, report = doctor(box)
    assert code == 2
    assert statuses(report, "database") == ["fail"]


@pytest.mark.skipif(not mountns.available(), reason="unshare -rm cannot mount here")
def test_a_full_disk_fails(box: Path) -> None:
    data = load_config(box).data_path
    seed = shutil.copytree(data, box.parent / "seed")
    prelude = mountns.tmpfs(data, "4m", seed=seed) + f"\nhead -c 8M /dev/zero > {data}/fill || true"
    res = subprocess.run(
        mountns.command(prelude, [TILLEDGE, "--config", str(box), "doctor", "--json"]),
        env=serve_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 2, res.stderr
    disk = [f for f in json.loads(res.stdout)["checks"] if f["check"] == "disk"]
    assert [f["status"] for f in disk][:1] == ["fail"]
    assert "MiB free" in disk[0]["detail"]
