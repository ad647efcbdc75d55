"""Start-up checks of the box's storage, before anything opens or listens.

Owns what the CLI checks when a command opens the box: the data directory
(there, a directory, writable), room on its disk, and the database (readable
SQLite, writable, its WAL and SHM too), each failure as one
:class:`StartupFault` that names the file, the fix and an exit code per
class; and :func:`tighten_modes`, which makes what the box keeps private
(directories 0700, files 0600) whatever umask created it. Errors that get
past the checks (raised by migrations or the first write) are classified by
:func:`classify` into the same faults. Imports ``edge.platform.config`` and
``edge.platform.db``.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import stat
from contextlib import suppress
from pathlib import Path

from edge.platform.config import Config
from edge.platform.db import MIN_FREE_BYTES

log = logging.getLogger(__name__)

#: The exit code of each class of start-up fault (docs/cli.md lists them);
#: 1 and 2 already mean "failed" and "usage / ledger discrepancy". "migration":
#: a schema migration failed and the database was put back as it was
#: (edge.platform.migrations.MigrationFailed) — a restart runs it again.
EXIT_CODES = {"data_dir": 3, "read_only": 4, "corrupt": 5, "full": 6, "migration": 7}

PROBE_NAME = ".tilledge-space-probe"


class StartupFault(Exception):
    """Why the box cannot start, as one line: ``<what> <path> <problem> — <fix>``."""

    def __init__(self, kind: str, line: str) -> None:
        super().__init__(line)
        self.kind = kind
        self.line = line

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.kind]


def check(config: Config, *, create_parents: bool = True) -> None:
    """Raise :class:`StartupFault` unless the box's storage can be opened for
    writing. A missing data directory is created (0700) when its parent
    exists, or with ``create_parents`` (provisioning commands); ``tilledge
    serve`` passes False, so a mistyped ``box.data_dir`` or an unmounted disk
    is refused instead of starting an empty box."""
    data = config.data_path
    _data_dir(data, create_parents=create_parents)
    tighten_modes(data)
    _space(data)
    _database(config.db_path)


def tighten_modes(data: Path) -> list[Path]:
    """Make the data directory 0700 and everything in it that we own 0700
    (directories) or 0600 (files); log each change. The changed paths."""
    changed = []
    me = os.geteuid()
    paths = [data]
    for root, dirs, files in os.walk(data):
        paths += [Path(root, name) for name in (*dirs, *files)]
    for path in paths:
        try:
            st = path.lstat()
        except FileNotFoundError:
            continue  # removed meanwhile (another process's temp file)
        if st.st_uid != me or stat.S_ISLNK(st.st_mode) or not st.st_mode & 0o077:
            continue
        mode = stat.S_IMODE(st.st_mode)
        private = 0o700 if stat.S_ISDIR(st.st_mode) else 0o600
        try:
            path.chmod(mode & private)
        except OSError as err:
            # A read-only mount or an immutable file: the box still serves;
            # the warning tells the technician what stayed open.
            log.warning("could not tighten the mode of %s (%04o): %s", path, mode, err)
            continue
        log.warning("tightened the mode of %s from %04o to %04o", path, mode, mode & private)
        changed.append(path)
    return changed


def classify(err: BaseException, config: Config) -> StartupFault | None:
    """The start-up fault an error from opening the box stands for, or None."""
    return _classify(err, config.data_path, config.db_path)


def _classify(err: BaseException, data: Path, db: Path) -> StartupFault | None:
    if isinstance(err, sqlite3.Error):
        code = getattr(err, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_READONLY:
            return _read_only(db)
        if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
            return _corrupt(db, err)
        if code == sqlite3.SQLITE_FULL:
            return _full(data)
        if code == sqlite3.SQLITE_CANTOPEN:
            return _unwritable_dir(data)
    if isinstance(err, OSError):
        if err.errno == errno.ENOSPC:
            return _full(data)
        if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return _unwritable_dir(data)
    return None


def _data_dir(data: Path, *, create_parents: bool) -> None:
    if not data.exists():
        if not (create_parents or data.parent.is_dir()):
            raise StartupFault(
                "data_dir",
                f"data directory {data} does not exist, nor does {data.parent} — "
                "fix box.data_dir, or mount the disk it is on "
                f"(or create it: install -d -m 0700 -o tilledge {data})",
            )
        try:
            data.mkdir(mode=0o700, parents=True)
        except OSError as e:
            raise _unwritable_dir(data.parent, e) from e
        log.warning("created the data directory %s", data)
    if not data.is_dir():
        raise StartupFault(
            "data_dir", f"data directory {data} is not a directory — fix box.data_dir"
        )
    if not os.access(data, os.W_OK | os.X_OK):
        raise _unwritable_dir(data)


def _space(data: Path) -> None:
    # Written, synced and removed: a disk that takes this much takes a start.
    probe = data / PROBE_NAME
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, bytes(MIN_FREE_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        if e.errno == errno.ENOSPC:
            raise _full(data) from e
        raise _unwritable_dir(data, e) from e
    finally:
        with suppress(FileNotFoundError):
            probe.unlink()


def _database(db: Path) -> None:
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            raise _read_only(path)
    if not db.exists():
        return  # migrations create it
    conn = sqlite3.connect(str(db), isolation_level=None, timeout=10)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        # A write that is rolled back: SQLite opens a file it may not write
        # read-only without a word, and refuses only the first write.
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE TABLE _tilledge_preflight (x)")
        conn.execute("ROLLBACK")
    except sqlite3.Error as e:
        if getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY:
            return  # another process is writing: the database works
        raise (_classify(e, db.parent, db) or _corrupt(db, e)) from e
    finally:
        conn.close()


def _read_only(path: Path) -> StartupFault:
    return StartupFault(
        "read_only",
        f"database {path} is read-only — check the file's owner and mode "
        f"(chown tilledge: {path}; chmod 600 {path}) and that its disk is mounted read-write",
    )


def _corrupt(db: Path, err: BaseException) -> StartupFault:
    return StartupFault(
        "corrupt",
        f"database {db} is not a readable SQLite database ({err}) — restore a backup "
        "(`tilledge restore FILE`), or move it aside to start an empty box",
    )


def _full(data: Path) -> StartupFault:
    return StartupFault(
        "full",
        f"the disk holding {data} is full — free space on it (df -h {data}), then start again",
    )


def _unwritable_dir(data: Path, err: OSError | None = None) -> StartupFault:
    why = f" ({err.strerror})" if err is not None and err.strerror else ""
    return StartupFault(
        "data_dir",
        f"data directory {data} is not writable{why} — check its owner and mode "
        f"(chown tilledge: {data}; chmod 700 {data}) and that its disk is mounted read-write",
    )
