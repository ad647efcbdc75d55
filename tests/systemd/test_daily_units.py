"""The daily runs — dunning (BACKOFFICE §9) and subscription billing (§10):
each a oneshot service started by a persistent timer."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT

SYSTEMD = ROOT / "systemd"
#: unit name → (the command it runs, the timer's time)
DAILY = {
    "tilledge-dunning": ("invoices dunning-run", "06:00:00"),
    "tilledge-billing": ("subscriptions bill", "05:30:00"),
}


@pytest.mark.parametrize("unit", DAILY)
def test_the_timer_runs_it_daily_and_catches_up(unit: str) -> None:
    command, at = DAILY[unit]
    timer = (SYSTEMD / f"{unit}.timer").read_text()
    assert f"OnCalendar=*-*-* {at}" in timer and "Persistent=true" in timer
    service = (SYSTEMD / f"{unit}.service").read_text()
    assert "Type=oneshot" in service
    assert service.count(command) == 1 and "--dry-run" not in service
    assert "User=tilledge" in service and "NoNewPrivileges=yes" in service


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
@pytest.mark.parametrize("unit", DAILY)
def test_the_units_verify(unit: str, tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "tilledge"
    for name in (f"{unit}.service", f"{unit}.timer"):
        text = (SYSTEMD / name).read_text().replace("/usr/bin/tilledge", str(exe))
        (tmp_path / name).write_text(text, encoding="utf-8")
    r = subprocess.run(
        ["systemd-analyze", "verify", "--man=no",
         str(tmp_path / f"{unit}.service"), str(tmp_path / f"{unit}.timer")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
