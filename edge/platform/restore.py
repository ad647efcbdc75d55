"""Put a backup in place of the data directory, or leave everything as it was.

The order is what makes a failed restore harmless: decrypt, unpack and verify
into a private directory beside the data directory (a wrong passphrase or a
tampered file stops here, with nothing touched); then move the data directory
aside to ``<data_dir>.before-restore-<time>`` and the restored one in (two
renames on one file system); then migrate and verify the ledger. Any failure
after the first rename puts the old directory back. The caller makes sure
the service is stopped (:func:`service_answers`). Imports
``edge.platform.backup``, ``edge.platform.migrations`` and ``edge.ledger``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge import ledger
from edge.platform import migrations
from edge.platform.backup import DB_NAME, SECRETS_KEY, STAMP, BackupError, Seal, unpack

#: The account systemd/tilledge.sysusers.conf creates; a restore run by root
#: onto a wiped box hands the files to it.
SERVICE_USER = "tilledge"


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    previous: Path | None  # where the replaced data directory went
    migrated: list[str]
    entries_verified: int
    #: "restored" (in the backup), "kept" (this box's own key carried over),
    #: or "missing": second factors must be re-enrolled.
    secrets_key: str


def service_answers(listen: str, timeout: float = 1.0) -> bool:
    """Whether something accepts connections on the service's ``HOST:PORT``."""
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1" if host != "::" else "::1"
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def restore(data: Path, sealed: Path, seal: Seal, *, moment: datetime | None = None) -> Restored:
    """Replace the data directory ``data`` with the backup ``sealed``."""
    stamp = (moment or datetime.now(UTC)).strftime(STAMP)
    data.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{data.name}.restore-", dir=data.parent))
    try:
        manifest = unpack(sealed, seal, stage)
        _check_database(stage / DB_NAME)
        secrets = _secrets_key(manifest, data, stage)
        _private(stage)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    owner = _owner(data)
    previous = data.with_name(f"{data.name}.before-restore-{stamp}") if data.exists() else None
    if previous is not None:
        try:
            if previous.exists():
                raise BackupError(f"{previous} exists; wait a second and run it again")
            os.rename(data, previous)
        except OSError as e:
            shutil.rmtree(stage, ignore_errors=True)
            # A data directory that is a mount point cannot be moved aside.
            raise BackupError(f"cannot move {data} aside to {previous}: {e.strerror}") from e
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
    try:
        os.rename(stage, data)
        migrated = migrations.apply(data / DB_NAME)
        report = ledger.verify_journal(data / DB_NAME)
        if not report.ok:
            raise BackupError(
                f"the restored ledger does not verify (entry {report.first_bad_seq}:"
                f" {report.reason}); the previous data directory is back in place"
            )
        if owner is not None:
            _chown(data, *owner)
    except BaseException:
        # Before the second rename the restored files are still in stage.
        shutil.rmtree(stage if stage.exists() else data, ignore_errors=True)
        if previous is not None:
            os.rename(previous, data)
        raise
    return Restored(manifest, previous, migrated, report.entries_checked, secrets)


def _check_database(db: Path) -> None:
    conn = sqlite3.connect(str(db))
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as e:
        raise BackupError(f"the database in the backup cannot be read: {e}") from e
    finally:
        conn.close()
    if ok != "ok":
        raise BackupError(f"the database in the backup fails its integrity check: {ok}")


def _secrets_key(manifest: dict[str, Any], data: Path, stage: Path) -> str:
    # A backup without the key restored on the box that wrote it: the box's
    # own key still opens the TOTP secrets, so it stays.
    if manifest.get("secrets_key"):
        return "restored"
    own = data / SECRETS_KEY
    if own.is_file():
        shutil.copy2(own, stage / SECRETS_KEY)
        return "kept"
    return "missing"


def _owner(data: Path) -> tuple[int, int] | None:
    """Whom the restored files must belong to when root restores: the owner of
    the directory they replace, else the service user; None when not root
    (a user's files are its own already)."""
    if os.geteuid() != 0:
        return None
    if data.exists():
        st = data.stat()
        return st.st_uid, st.st_gid
    try:
        user = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        return None
    return user.pw_uid, user.pw_gid


def _chown(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for dirpath, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            os.chown(Path(dirpath, name), uid, gid, follow_symlinks=False)


def _private(root: Path) -> None:
    root.chmod(0o700)
    for dirpath, dirs, files in os.walk(root):
        for d in dirs:
            Path(dirpath, d).chmod(0o700)
        for f in files:
            Path(dirpath, f).chmod(0o600)
