"""TOTP secrets sealed at rest (issue #15): the database holds no second
factor, login with TOTP still works, backups carry the key only when asked."""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import stat
from pathlib import Path

import pyotp
import pytest
from click.testing import CliRunner

from edge.cli import cli
from edge.platform import migrations, sealing
from edge.platform.box import Box
from edge.platform.config import load_config
from edge.security import users

PASSWORD = "correct horse battery"


def enrol(box: Box, name: str = "mia") -> str:
    box.db.write(lambda c: users.create_user(c, name, "manager", PASSWORD))
    return str(box.db.write(lambda c: users.enable_totp(c, name))["secret"])


def login(box: Box, secret: str, client: str = "192.168.1.20") -> str:
    code = pyotp.TOTP(secret).now()
    cfg = box.config.security
    return users.authenticate(box.db, "mia", PASSWORD, code, client=client, cfg=cfg).outcome


def test_the_database_files_hold_no_secret_and_login_works(box: Box) -> None:
    secret = enrol(box)
    box.db.checkpoint()
    data = box.config.data_path
    for f in data.iterdir():
        if f.is_file() and f.name.startswith("tilledge.db"):
            assert secret.encode() not in f.read_bytes(), f
    stored = box.db.reader().execute("SELECT totp_secret FROM users").fetchone()[0]
    assert stored.startswith(sealing.PREFIX)
    key = data / sealing.KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert login(box, secret) == "ok"


def test_a_box_without_its_key_fails_closed(box: Box) -> None:
    secret = enrol(box)
    (box.config.data_path / sealing.KEY_FILE).unlink()
    assert login(box, secret) == "invalid"  # never "no second factor"
    assert sealing.unreadable_count(box.db.reader()) == 1


def test_m008_seals_clear_secrets(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    migrations.apply(db, stop_before="m009_totp_secrets_sealed")
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO users (name, role, password_hash, totp_secret, created_at)"
        " VALUES ('mia', 'manager', 'x', 'JBSWY3DPEHPK3PXP', 'x')"
    )
    conn.commit()
    conn.close()
    assert "m009_totp_secrets_sealed" in migrations.apply(db)
    conn = sqlite3.connect(db)
    stored = conn.execute("SELECT totp_secret FROM users").fetchone()[0]
    conn.close()
    assert stored.startswith(sealing.PREFIX) and "JBSWY3DPEHPK3PXP" not in stored
    assert sealing.open_secret(db, stored) == "JBSWY3DPEHPK3PXP"
    assert (tmp_path / sealing.KEY_FILE).exists()


def _config(tmp_path: Path, data: Path) -> Path:
    cfg = tmp_path / f"{data.name}.toml"
    cfg.write_text(f'[box]\ndata_dir = "{data}"\n', encoding="utf-8")
    return cfg


def _backup(cfg: Path, target: Path, *flags: str) -> dict[str, object]:
    r = CliRunner().invoke(
        cli, ["--config", str(cfg), "db", "backup", str(target), *flags, "--json"]
    )
    assert r.exit_code == 0, r.output
    return dict(json.loads(r.stdout))


def _restore(tmp_path: Path, backup: Path, name: str, key: Path | None = None) -> Box:
    data = tmp_path / name
    data.mkdir()
    shutil.copy(backup, data / "tilledge.db")
    if key is not None:
        shutil.copy(key, data / sealing.KEY_FILE)
    config = load_config(overrides={"box.data_dir": str(data)}, environ={})
    return Box.open(config)


@pytest.mark.parametrize("with_key", [False, True])
def test_backup_leaves_the_key_out_unless_asked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, with_key: bool
) -> None:
    data = tmp_path / "live"
    cfg = _config(tmp_path, data)
    with Box.open(load_config(overrides={"box.data_dir": str(data)}, environ={})) as box:
        secret = enrol(box)
    target = tmp_path / "backup.db"
    answer = _backup(cfg, target, *(["--with-secrets-key"] if with_key else []))
    key = Path(f"{target}.{sealing.KEY_FILE}")
    assert secret.encode() not in target.read_bytes()
    assert key.exists() == with_key
    assert answer["secrets_key"] == (str(key) if with_key else None)
    caplog.set_level(logging.WARNING, logger="edge.platform.box")
    with _restore(tmp_path, target, "restored", key if with_key else None) as restored:
        warned = "re-enrolled with `tilledge user totp NAME`" in caplog.text
        if with_key:
            assert stat.S_IMODE(key.stat().st_mode) == 0o600
            assert login(restored, secret) == "ok" and not warned
        else:
            assert login(restored, secret) == "invalid" and warned
            fresh = restored.db.write(lambda c: users.enable_totp(c, "mia"))["secret"]
            assert login(restored, fresh, "192.168.1.21") == "ok"  # re-enrolled
