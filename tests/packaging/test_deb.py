"""The Debian package from ``make deb``, installed on this machine with ``dpkg -i``:
its files, user and modes, the installed units verified, provisioned with an
answers file, the installed service run as its user (``setpriv``, no systemd as
PID 1) and answering over TLS pinned to the provisioned fingerprint, ``doctor``
without failures, then ``dpkg -r`` (data and config stay) and ``--purge`` (gone).

Installs system-wide, so it runs only as root with dpkg (CI runs as root).
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.platform.config_template import TEMPLATE
from edge.security import tls
from tests.support.live import free_tcp_port, pinned_health, serve_env
from tests.support.paths import ROOT

pytestmark = [
    pytest.mark.deb,
    pytest.mark.skipif(
        os.geteuid() != 0 or shutil.which("dpkg") is None,
        reason="installs a package: needs root and dpkg",
    ),
]

PACKAGE = "tilledge"
USER = "tilledge"
DATA = Path("/var/lib/tilledge")
ETC = Path("/etc/tilledge")
CONFIG = ETC / "tilledge.toml"
APP = Path("/opt/tilledge")
UNIT_DIR = Path("/lib/systemd/system")
PASSWORD = "a-long-enough-Passw0rd!"


def run(*cmd: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    kw.setdefault("env", serve_env())
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


def ok(*cmd: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    res = run(*cmd, **kw)
    assert res.returncode == 0, f"{shlex.join(cmd)}: {res.stdout}\n{res.stderr}"
    return res


def installed() -> str:
    """dpkg's status of the package ('' when it is not known at all)."""
    res = run("dpkg-query", "-W", "-f=${db:Status-Abbrev}", PACKAGE)
    return res.stdout.strip() if res.returncode == 0 else ""


@pytest.fixture(scope="session")
def deb() -> Path:
    """``make deb`` once; the wheel and Rust caches under build/deb keep a rerun short."""
    venv = Path(sys.executable).parent.parent
    res = ok("make", "-s", "deb", f"VENV={venv}", cwd=ROOT)
    path = Path(res.stdout.strip().splitlines()[-1])
    assert path.parent == ROOT / "dist" and path.exists(), res.stdout
    return path


@pytest.fixture
def clean_box() -> Iterator[None]:
    """A machine without TillEdge, and left so (a failed run purges what it
    installed). A real box is never touched: its package, user or data skip."""
    try:
        pwd.getpwnam(USER)
        has_user = True
    except KeyError:
        has_user = False
    if installed() or has_user or DATA.exists() or ETC.exists():
        pytest.skip("TillEdge is installed here (package, user or data): not replacing it")
    yield
    if installed():
        run("dpkg", "--purge", PACKAGE)


def test_package_is_for_this_machine(deb: Path) -> None:
    arch = ok("dpkg", "--print-architecture").stdout.strip()
    assert deb.name.endswith(f"_{arch}.deb")
    fields = ok("dpkg-deb", "--show", "--showformat=${Version} ${Depends}", str(deb)).stdout
    assert "python3-venv" in fields and "libusb-1.0-0" in fields
    listing = ok("dpkg-deb", "--contents", str(deb)).stdout
    wheels = [line.split()[-1] for line in listing.splitlines() if line.endswith(".whl")]
    target = ok("/usr/bin/python3", "-c", "import sys; print(*sys.version_info[:2], sep='')")
    tag = f"cp{target.stdout.strip()}"
    assert any("/tilledge-" in w and "-abi3-" in w for w in wheels)
    for wheel in wheels:  # pure, abi3 or for the target Python: nothing else
        assert "-none-any" in wheel or "-abi3-" in wheel or f"-{tag}-{tag}-" in wheel, wheel
    # Every unit of the repository, not a fixed list (timers arrive with features).
    for unit in [*ROOT.glob("systemd/*.service"), *ROOT.glob("systemd/*.timer")]:
        assert f"./lib/systemd/system/{unit.name}" in listing


@pytest.mark.skipif(shutil.which("lintian") is None, reason="lintian missing")
def test_lintian_is_clean(deb: Path) -> None:
    # Remaining tags are overridden in packaging/debian/lintian-overrides, each with its reason.
    res = run("lintian", "--fail-on", "warning,error", str(deb))
    assert res.returncode == 0, res.stdout + res.stderr


def _answers(tmp: Path, port: int) -> Path:
    (tmp / "pw").write_text(PASSWORD + "\n")
    path = tmp / "answers.toml"
    path.write_text(
        f"""
[box]
name = "Bäckerei Lind"
address = ["Hauptstr. 1", "01067 Dresden"]
[server]
listen = "127.0.0.1:{port}"
tls = "on"
[discovery]
enabled = false
[devices.printer]
uri = "sim:{DATA / "receipts"}"
boot_slip = false
[devices.display]
uri = "sim:"
[devices.nfc]
readers = []
[admin]
name = "chef"
password_file = "{tmp / "pw"}"
""",
        encoding="utf-8",
    )
    return path


def _exec_start(unit: Path) -> list[str]:
    line = next(x for x in unit.read_text().splitlines() if x.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


def _as_service_user(argv: list[str]) -> list[str]:
    """The unit's User=/Group=/SupplementaryGroups= without systemd: setpriv
    execs the command itself, so its pid is the service's."""
    return ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--init-groups", "--", *argv]


def _pinned_health(
    service: subprocess.Popen[bytes], port: int, fingerprint: str, timeout: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock = tls.pinned_connect("127.0.0.1", port, fingerprint)
            break
        except OSError:
            if service.poll() is not None:
                err = service.stderr.read().decode() if service.stderr else ""
                raise AssertionError(f"the service exited {service.returncode}: {err}") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    return pinned_health(sock)


def _check_installed_files() -> None:
    assert os.access("/usr/bin/tilledge", os.X_OK)
    for unit in [*ROOT.glob("systemd/*.service"), *ROOT.glob("systemd/*.timer")]:
        assert (UNIT_DIR / unit.name).read_text() == unit.read_text()
    assert Path("/usr/lib/sysusers.d/tilledge.conf").exists()
    assert (
        "/var/lib/tilledge 0700 tilledge tilledge"
        in Path("/usr/lib/tmpfiles.d/tilledge.conf").read_text()
    )
    assert Path("/lib/udev/rules.d/60-tilledge-nfc.rules").exists()
    assert Path("/etc/modprobe.d/tilledge-blacklist.conf").exists()
    assert CONFIG.read_text() == TEMPLATE
    conffiles = ok("dpkg-query", "-W", "-f=${Conffiles}", PACKAGE).stdout
    assert str(CONFIG) in conffiles
    doc = Path("/usr/share/doc/tilledge")
    assert (doc / "copyright").exists() and (doc / "changelog.gz").exists()
    # The venv is Debian's Python (the wheelhouse's target), not whatever
    # python3 came first on root's PATH when dpkg ran postinst.
    assert (APP / "venv/bin/python").resolve() == Path("/usr/bin/python3").resolve()
    version = ok("/usr/bin/tilledge", "--version").stdout
    assert version.split()[-1] in ok("dpkg-query", "-W", "-f=${Version}", PACKAGE).stdout


def _check_user_and_modes() -> None:
    user = pwd.getpwnam(USER)
    assert user.pw_dir == str(DATA)
    assert USER in grp.getgrnam("dialout").gr_mem
    st = DATA.stat()
    assert (st.st_mode & 0o7777, st.st_uid) == (0o700, user.pw_uid)


def _check_units() -> None:
    units = sorted(str(p) for p in [*UNIT_DIR.glob("tilledge*.service")])
    for unit in units:
        assert _exec_start(Path(unit))[0] == "/usr/bin/tilledge", unit
    timers = sorted(str(p) for p in UNIT_DIR.glob("tilledge*.timer"))
    res = run("systemd-analyze", "verify", "--man=no", *units, *timers)
    assert res.returncode == 0, res.stderr
    # Enabled (so a provisioned box starts at boot), though nothing was started.
    wants = Path("/etc/systemd/system/multi-user.target.wants/tilledge.service")
    assert wants.is_symlink()


def test_install_provision_serve_remove_purge(deb: Path, clean_box: None, tmp_path: Path) -> None:
    ok("dpkg", "-i", str(deb))
    assert installed() == "ii"
    _check_installed_files()
    _check_user_and_modes()
    _check_units()

    port = free_tcp_port()
    res = ok("/usr/bin/tilledge", "provision", "--answers", str(_answers(tmp_path, port)), "--json")
    provisioned = json.loads(res.stdout)
    assert "no systemd here" in " ".join(provisioned["steps"])
    fingerprint = provisioned["fingerprint"]
    _check_user_and_modes()  # provision, run as root, handed everything to the user
    owner = pwd.getpwnam(USER).pw_uid
    assert all(p.lstat().st_uid == owner for p in DATA.rglob("*"))

    # An upgrade is installing the package again: config and data stay, the
    # venv is rebuilt, nothing here is started (not provisioned for a LAN).
    provisioned_config = CONFIG.read_text()
    ok("dpkg", "-i", str(deb))
    assert CONFIG.read_text() == provisioned_config
    assert (APP / "venv/bin/tilledge").exists()
    _check_user_and_modes()

    argv = _exec_start(UNIT_DIR / "tilledge.service")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(DATA), "LANG": "C.UTF-8"}
    service = subprocess.Popen(_as_service_user(argv), env=env, umask=0o077, stderr=subprocess.PIPE)
    try:
        health = _pinned_health(service, port, fingerprint)
        assert health["status"] == "ok", health
        # A backup while serving, so doctor has nothing to warn about but
        # what this machine lacks (no time service to ask without systemd).
        ok(*_as_service_user(["/usr/bin/tilledge", "db", "backup", str(DATA / "b.db")]), env=env)
        doctor = run(*_as_service_user(["/usr/bin/tilledge", "doctor", "--json"]), env=env)
        report = json.loads(doctor.stdout)
        not_ok = {c["check"] for c in report["checks"] if c["status"] != "ok"}
        assert not_ok <= {"clock"}, report
        assert not [c for c in report["checks"] if c["status"] == "fail"], report
        assert {"check": "service", "status": "ok"}.items() <= next(
            c for c in report["checks"] if c["check"] == "service"
        ).items()
    finally:
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(20)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait(5)
    assert service.returncode == 0, service.stderr.read() if service.stderr else ""

    ok("dpkg", "-r", PACKAGE)
    assert installed() == "rc"
    assert (DATA / "tilledge.db").exists() or any(DATA.glob("*.db"))
    assert "127.0.0.1:" + str(port) in CONFIG.read_text()  # the provisioned config stays
    assert not APP.exists() and not Path("/usr/bin/tilledge").exists()
    pwd.getpwnam(USER)  # the user stays with the data

    ok("dpkg", "--purge", PACKAGE)
    assert installed() == ""
    assert not DATA.exists() and not ETC.exists() and not APP.exists()
    with pytest.raises(KeyError):
        pwd.getpwnam(USER)
    assert not Path("/etc/systemd/system/multi-user.target.wants/tilledge.service").exists()
