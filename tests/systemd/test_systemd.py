"""The service unit passes ``systemd-analyze verify`` and keeps its hardening."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT

UNIT = ROOT / "systemd" / "tilledge.service"


def test_unit_hardening_settings() -> None:
    text = UNIT.read_text(encoding="utf-8")
    for line in (
        "Type=notify",
        "User=tilledge",
        "StateDirectory=tilledge",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "SupplementaryGroups=dialout plugdev",
        "Restart=on-failure",
        "CapabilityBoundingSet=\n",
    ):
        assert line in text, line


def test_unit_does_not_restart_on_storage_faults() -> None:
    # A restart cannot fix a full, read-only or corrupt data dir: every
    # start-up fault code the service exits with stops the restart loop.
    from edge.platform.preflight import EXIT_CODES

    text = UNIT.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("RestartPreventExitStatus="))
    assert set(line.split("=", 1)[1].split()) == {str(c) for c in EXIT_CODES.values()}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_unit_verifies(tmp_path: Path) -> None:
    # The packaged path /usr/bin/tilledge does not exist in a checkout: point
    # ExecStart at this venv's entry point so verify checks everything else.
    exe = Path(sys.executable).parent / "tilledge"
    unit = tmp_path / "tilledge.service"
    unit.write_text(UNIT.read_text().replace("/usr/bin/tilledge", str(exe)), encoding="utf-8")
    r = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
