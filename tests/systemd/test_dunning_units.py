"""The daily dunning run: a oneshot service started by a persistent timer."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT

SYSTEMD = ROOT / "systemd"


def test_the_timer_runs_the_dunning_daily_and_catches_up() -> None:
    timer = (SYSTEMD / "tilledge-dunning.timer").read_text()
    assert "OnCalendar=*-*-* 06:00:00" in timer and "Persistent=true" in timer
    service = (SYSTEMD / "tilledge-dunning.service").read_text()
    assert "Type=oneshot" in service
    assert service.count("invoices dunning-run") == 1 and "--dry-run" not in service
    assert "User=tilledge" in service and "NoNewPrivileges=yes" in service


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_the_dunning_units_verify(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "tilledge"
    for name in ("tilledge-dunning.service", "tilledge-dunning.timer"):
        text = (SYSTEMD / name).read_text().replace("/usr/bin/tilledge", str(exe))
        (tmp_path / name).write_text(text, encoding="utf-8")
    r = subprocess.run(
        ["systemd-analyze", "verify", "--man=no",
         str(tmp_path / "tilledge-dunning.service"), str(tmp_path / "tilledge-dunning.timer")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
