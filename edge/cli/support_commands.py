"""``tilledge support-bundle``: one tar.gz a technician can send to support.

What is in it is what support asks for first — versions, the configuration
with its secrets replaced, the doctor's findings, device states, the schema
version and recent logs — and nothing about the shop's customers: no
database, no documents, no tokens. Log lines name customers by id only.
"""

from __future__ import annotations

import io
import json
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge.cli.device_commands import device_report
from edge.cli.doctor import CLI_CHECKS
from edge.cli.group import State, cli, emit, fail, file_option, json_option, pass_state
from edge.doctor import examine_config
from edge.platform.config import Config
from edge.platform.version import VERSION

#: A config key whose value is replaced: passwords, secrets, tokens and keys
#: themselves (not the paths to key files, which support needs to see).
SECRET_KEY = re.compile(r"pass(word)?|secret|token|api_key|credential", re.IGNORECASE)
REDACTED = "<redacted>"
LOG_LINES = 2000


def redact(value: Any) -> Any:
    """``value`` with every secret-named key's value replaced, recursively."""
    if isinstance(value, dict):
        return {
            k: REDACTED if SECRET_KEY.search(k) and not k.endswith("_file") else redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {"tilledge": VERSION, "python": sys.version.split()[0], "platform": platform.platform()}
    for dist in ("flask", "granian", "nfcpy", "python-escpos", "pyserial", "zeroconf"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


def _schema(config: Config) -> dict[str, Any]:
    db = config.db_path
    if not db.exists():
        return {"database": str(db), "exists": False}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    except sqlite3.Error as e:
        return {"database": str(db), "error": str(e)}
    finally:
        conn.close()
    return {"database": str(db), "migrations": names, "version": names[-1] if names else None}


def _logs() -> tuple[str, str]:
    """Recent service logs: from journald where there is one."""
    if shutil.which("journalctl") is None:
        return "logs.txt", "no journald on this machine; the service logs to stderr\n"
    res = subprocess.run(
        ["journalctl", "-u", "tilledge*", "-n", str(LOG_LINES), "--no-pager", "-o", "short-iso"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return "journal.txt", res.stdout or f"journalctl: {res.stderr.strip() or 'no entries'}\n"


def bundle_members(state: State) -> dict[str, bytes]:
    """The files of the bundle by name (ordered as written)."""
    config = state.config
    members: dict[str, Any] = {"versions.json": _versions()}
    if state.config_path:
        raw = tomllib.loads(Path(state.config_path).read_text(encoding="utf-8"))
        members["config-file.json"] = redact(raw)
    members["config-effective.json"] = redact(config.model_dump(by_alias=True))
    members["doctor.json"] = examine_config(config, extra=CLI_CHECKS).as_dict()
    members["devices.json"] = device_report(config)
    members["schema.json"] = _schema(config)
    out = {
        name: json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
        for name, data in members.items()
    }
    log_name, log_text = _logs()
    out[log_name] = log_text.encode()
    return out


@cli.command("support-bundle")
@file_option(
    "--out", "out_path", "Where to write it (default: ./tilledge-support-BOXNAME-TIME.tar.gz)."
)
@json_option
@pass_state
def support_bundle(state: State, out_path: Path | None, as_json: bool) -> None:
    """Write a tar.gz for support: versions, config (secrets redacted), doctor,
    devices, schema version, recent logs. No customer data."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    safe_name = re.sub(r"[^A-Za-z0-9_-]+", "-", state.config.box.name).strip("-") or "box"
    out_path = out_path or Path(f"tilledge-support-{safe_name}-{stamp}.tar.gz")
    if out_path.exists():
        fail(f"{out_path} exists; choose a new file name")
    members = bundle_members(state)
    top = f"tilledge-support-{stamp}"
    with tarfile.open(out_path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
            tar.addfile(info, io.BytesIO(data))
    emit(
        as_json,
        {"bundle": str(out_path), "files": list(members), "bytes": out_path.stat().st_size},
        f"support bundle written to {out_path} ({', '.join(members)})",
    )
