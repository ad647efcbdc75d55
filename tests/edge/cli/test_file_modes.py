"""Files private by default in every mode: ``tilledge`` sets umask 077
itself, so after ``tilledge demo`` and after ``tilledge serve`` outside
systemd (started from a shell with umask 022) the data dir is 0700 and the
database, its WAL and SHM, the demo token and the TLS key are 0600; wider
modes found at start are tightened, with a line in the log."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from tests.support.live import TILLEDGE, api_call, free_tcp_port, serve_env, wait_healthy

SHELL_UMASK = 0o022


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def tilledge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TILLEDGE, *args], env=serve_env(), umask=SHELL_UMASK,
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip


def test_demo_files_are_private(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    tilledge("demo", "--dir", str(demo), "--customers", "2")
    data = demo / "data"
    assert {p.name: oct(mode(p)) for p in (demo, data)} == {"demo": "0o700", "data": "0o700"}
    files = [demo / "demo-token.txt", demo / "tilledge.toml", *data.iterdir()]
    assert data / "tilledge.db" in files
    assert {p.name: oct(mode(p)) for p in files} == {p.name: "0o600" for p in files}


def test_serve_keeps_files_private_and_tightens_wider_modes(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    tilledge("demo", "--dir", str(demo), "--customers", "2")
    config = str(demo / "tilledge.toml")
    tilledge("--config", config, "tls", "generate")
    data = demo / "data"
    db = data / "tilledge.db"
    key = data / "tls" / "key.pem"
    # As an older box, or a copy made with the shell's umask, left them.
    data.chmod(0o755)
    db.chmod(0o644)
    key.chmod(0o640)
    token = (demo / "demo-token.txt").read_text().strip()
    port = free_tcp_port()
    proc = subprocess.Popen(
        [TILLEDGE, "--config", config, "serve", "--listen", f"127.0.0.1:{port}"],
        env=serve_env(), umask=SHELL_UMASK, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_healthy(port, timeout=60, interval=0.2)
        status, _, _ = api_call(port, token, "POST", "/customers/1/topups", {"amount": 100})
        assert status == 201  # a write: the WAL and SHM exist now
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
        assert mode(data) == 0o700
        assert {p.name: oct(mode(p)) for p in (db, wal, shm, key)} == {
            p.name: "0o600" for p in (db, wal, shm, key)
        }
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    for path, was in ((data, "0755"), (db, "0644"), (key, "0640")):
        assert f"tightened the mode of {path} from {was} to" in err, err
