"""Storage faults a test cannot make with file modes alone (it often runs as
root, which ignores them): a command run in its own user and mount namespace
(``unshare -rm``) after a shell prelude that mounts a small tmpfs or a
read-only bind there. The test reaches what that process sees through
``/proc/PID/root`` (plain files) or by running a command in that namespace
(:func:`enter`; SQLite resolves ``/proc/PID/root`` to ``/`` and would miss it).

Standard library only.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from functools import cache
from pathlib import Path


@cache
def available() -> bool:
    """Whether ``unshare -rm`` may mount a tmpfs here."""
    if shutil.which("unshare") is None:
        return False
    probe = ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def command(prelude: str, argv: list[str]) -> list[str]:
    """``argv`` exec'd (same pid) in a new namespace once ``prelude`` succeeded."""
    return ["unshare", "-rm", "sh", "-ec", f'{prelude}\nexec "$@"', "sh", *argv]


def tmpfs(mount_point: Path, size: str, *, seed: Path | None = None) -> str:
    """A prelude: a tmpfs of ``size`` on ``mount_point``, filled from ``seed``."""
    mp = shlex.quote(str(mount_point))
    lines = [f"mount -t tmpfs -o size={size},mode=0700 tmpfs {mp}"]
    if seed is not None:
        lines.append(f"cp -a {shlex.quote(str(seed))}/. {mp}/")
    return "\n".join(lines)


def read_only(path: Path) -> str:
    """A prelude: ``path`` (file or directory) bind-mounted read-only onto itself."""
    p = shlex.quote(str(path))
    return f"mount --bind {p} {p}\nmount -o remount,bind,ro {p}"


def seen_by(pid: int, path: Path) -> Path:
    """``path`` as the process ``pid`` sees it, in its mount namespace."""
    return Path(f"/proc/{pid}/root") / path.relative_to("/")


def enter(pid: int, argv: list[str]) -> list[str]:
    """``argv`` run in the user and mount namespace of the process ``pid``."""
    return ["nsenter", "-t", str(pid), "-U", "-m", "--preserve-credentials", *argv]
