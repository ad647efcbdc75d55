"""The units pass ``systemd-analyze verify``; the service keeps its hardening,
the backup runs daily as the service user."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT

UNIT = ROOT / "systemd" / "tilledge.service"
BACKUP = ROOT / "systemd" / "tilledge-backup.service"
TIMER = ROOT / "systemd" / "tilledge-backup.timer"
LIMITS = ROOT / "systemd" / "tilledge-limits.service"


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


def test_backup_runs_daily_as_the_service_user() -> None:
    service = BACKUP.read_text(encoding="utf-8")
    for line in (
        "Type=oneshot",
        "User=tilledge",
        "ExecStart=/usr/bin/tilledge backup\n",
        "ProtectSystem=strict",
        "UMask=0077",
    ):
        assert line in service, line
    timer = TIMER.read_text(encoding="utf-8")
    for line in ("OnCalendar=daily", "Persistent=true", "RandomizedDelaySec=", "timers.target"):
        assert line in timer, line


def test_limits_load_before_the_service_and_go_with_it() -> None:
    text = LIMITS.read_text(encoding="utf-8")
    for line in (
        "Type=oneshot",
        "RemainAfterExit=yes",
        "Before=tilledge.service",
        "After=nftables.service",  # its "flush ruleset" would drop the table
        "ExecStart=/usr/bin/tilledge firewall apply\n",
        "ExecStop=/usr/bin/tilledge firewall remove\n",
        "CapabilityBoundingSet=CAP_NET_ADMIN\n",
        "WantedBy=multi-user.target",
    ):
        assert line in text, line


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
@pytest.mark.parametrize(
    "units", [(UNIT,), (BACKUP, TIMER), (LIMITS,)], ids=["service", "backup", "limits"]
)
def test_units_verify(tmp_path: Path, units: tuple[Path, ...]) -> None:
    # The packaged path /usr/bin/tilledge does not exist in a checkout: point
    # ExecStart at this venv's entry point so verify checks everything else.
    # The timer is verified beside the service it starts.
    exe = Path(sys.executable).parent / "tilledge"
    copies = []
    for unit in units:
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/usr/bin/tilledge", str(exe)), encoding="utf-8")
        copies.append(str(copy))
    r = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *copies],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr


def test_every_unit_keeps_the_data_dir_private() -> None:
    # Units sharing StateDirectory=tilledge must agree on its mode: systemd
    # sets it at each unit's start, and the service's start-up check wants 0700.
    for unit in sorted((ROOT / "systemd").glob("*.service")):
        text = unit.read_text()
        if "StateDirectory=tilledge" in text:
            assert "StateDirectoryMode=0700" in text, unit.name
