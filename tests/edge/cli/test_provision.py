"""``tilledge provision``: a blank config to a serving, pinned-TLS box, from
an answers file or from the prompts; re-running changes only what was asked;
a bad answer leaves the old config in place."""

from __future__ import annotations

import json
import subprocess
import time
import tomllib
from pathlib import Path
from typing import Any

from edge.security import tls
from tests.support.live import TILLEDGE, free_tcp_port, pinned_health, serve_env, serving

PASSWORD = "a-long-enough-Passw0rd!"


def provision(config: Path, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TILLEDGE, "--config", str(config), "provision", "--no-restart", *args],
        env=kw.pop("env", serve_env()), capture_output=True, text=True, timeout=120, **kw,
    )  # fmt: skip


def answers(tmp: Path, port: int, **extra: str) -> Path:
    (tmp / "pw").write_text(PASSWORD + "\n")
    text = f"""
[box]
name = "Bäckerei Lind"
address = ["Hauptstr. 1", "01067 Dresden"]
vat_id = "DE136695976"
data_dir = "{tmp / "data"}"
[server]
listen = "127.0.0.1:{port}"
tls = "on"
[devices.printer]
uri = "sim:{tmp / "receipts"}"
[admin]
name = "chef"
password_file = "{tmp / "pw"}"
"""
    for section, body in extra.items():
        text += f"[{section}]\n{body}\n"
    path = tmp / "answers.toml"
    path.write_text(text)
    return path


def pinned_health_of(port: int, fingerprint: str) -> dict[str, Any]:
    return pinned_health(tls.pinned_connect("127.0.0.1", port, fingerprint))


def test_answers_file_provisions_a_box_that_serves_pinned_tls(tmp_path: Path) -> None:
    port = free_tcp_port()
    config = tmp_path / "etc" / "tilledge.toml"
    res = provision(config, "--answers", str(answers(tmp_path, port)), "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["urls"] == [f"https://127.0.0.1:{port}"]
    assert out["pairing_qr"] == f"tilledge:https://127.0.0.1:{port}#sha256={out['fingerprint']}"
    assert "admin 'chef' created" in out["steps"]
    written = tomllib.loads(config.read_text())
    assert written["box"]["name"] == "Bäckerei Lind"
    assert "# listen = " in config.read_text()  # the template's comments stay
    with serving(config, stderr=subprocess.DEVNULL):
        health = _wait(lambda: pinned_health_of(port, out["fingerprint"]))
    assert health["status"] in ("ok", "degraded")


def _wait(fn: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_rerun_changes_only_what_was_asked(tmp_path: Path) -> None:
    port = free_tcp_port()
    config = tmp_path / "tilledge.toml"
    first = answers(tmp_path, port)
    assert provision(config, "--answers", str(first)).returncode == 0
    config.write_text(config.read_text() + "\n# the technician's own note\n")
    before = config.read_text()
    again = json.loads(provision(config, "--answers", str(first), "--json").stdout)
    assert again["changed"] == [] and config.read_text() == before
    assert "admin 'chef' exists, unchanged" in again["steps"]
    only_name = tmp_path / "rename.toml"
    only_name.write_text('[box]\nname = "Lind am Markt"\n')
    renamed = json.loads(provision(config, "--answers", str(only_name), "--json").stdout)
    assert renamed["changed"] == ["box.name"]
    after = config.read_text()
    assert "the technician's own note" in after
    assert after == before.replace('name = "Bäckerei Lind"', 'name = "Lind am Markt"')
    assert renamed["fingerprint"] == again["fingerprint"]  # the certificate is kept


def test_a_bad_answer_is_refused_naming_the_key_and_nothing_is_written(tmp_path: Path) -> None:
    config = tmp_path / "tilledge.toml"
    assert provision(config, "--answers", str(answers(tmp_path, free_tcp_port()))).returncode == 0
    before = config.read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text('[server]\nlisten = "nowhere"\n')
    res = provision(config, "--answers", str(bad))
    assert res.returncode == 2
    assert "server.listen" in res.stderr and str(config) in res.stderr
    assert config.read_text() == before
    assert not list(tmp_path.glob(".tilledge.toml.*"))  # no temp file left behind
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[shop]\nname = 'x'\n")
    res = provision(config, "--answers", str(unknown))
    assert res.returncode == 2 and "unknown section(s) shop" in res.stderr


def test_interactive_prompts_with_validation(tmp_path: Path) -> None:
    config = tmp_path / "tilledge.toml"
    config.write_text(f'[box]\ndata_dir = "{tmp_path / "data"}"\n')
    port = free_tcp_port()
    lines = [
        "Café Süd",  # box name
        "Marktplatz 2 | 04109 Leipzig",  # address
        "",  # VAT id: none
        "",  # tax number
        "",  # time zone: default
        "not-an-address",  # refused, asked again
        f"127.0.0.1:{port}",
        "127.0.0.1",  # announce on
        "udp:127.0.0.1:54321",  # reader
        f"sim:{tmp_path / 'receipts'}",  # printer
        "sim:",  # display
        "chef",
        PASSWORD,
        PASSWORD,
    ]
    res = provision(
        config,
        input="\n".join(lines) + "\n",
        env={**serve_env(), "TILLEDGE_PROVISION_PROMPTS": "1"},
    )
    assert res.returncode == 0, res.stderr
    assert "expected ADDRESS:PORT" in res.stderr
    written = tomllib.loads(config.read_text())
    assert written["box"]["name"] == "Café Süd"
    assert written["box"]["address"] == ["Marktplatz 2", "04109 Leipzig"]
    assert written["server"]["listen"] == f"127.0.0.1:{port}"
    assert written["devices"]["nfc"]["readers"][0]["uri"] == "udp:127.0.0.1:54321"
    assert "admin 'chef' created" in res.stdout


def test_without_a_terminal_or_answers_it_says_what_to_do(tmp_path: Path) -> None:
    res = provision(tmp_path / "t.toml", stdin=subprocess.DEVNULL)
    assert res.returncode == 1 and "give --answers FILE" in res.stderr
