"""Encrypted box backups: what goes in, the file format, and reading it back.

A backup is one age-encrypted tar (``pyrage``): the database as SQLite's
online backup API copied it (consistent while the service writes,
integrity-checked), the rest of the data directory that a restored box needs
(the TLS certificate and key, ``documents/`` with the customer documents
stored there by hash), and last ``manifest.json``
with the format version, the schema's migrations, the box and the SHA-256 of
every other member, so a restore can refuse an archive that is not what was
written. age itself authenticates the ciphertext: a flipped byte or a wrong
passphrase fails decryption before anything is unpacked.

Two ways to seal: a passphrase (age's scrypt recipient; age holds the whole
archive in memory for it, fine for a till's database) or an X25519 key file
(streamed). A key file may hold only the public ``age1…`` recipient, so the
box can write backups it cannot itself read; restore then needs the
``AGE-SECRET-KEY-…`` identity file that ``tilledge backup keygen`` wrote.

Imports ``edge.platform.db``, ``edge.platform.migrations`` and pyrage.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pyrage
from pyrage import passphrase as age_passphrase
from pyrage import x25519

from edge.platform import migrations
from edge.platform.db import connect
from edge.platform.version import VERSION

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_NAME = "tilledge.db"
#: The key that seals TOTP secrets (edge.platform.sealing.KEY_FILE): only in a
#: backup with ``--with-secrets-key``, because whoever holds the backup and
#: its passphrase then also holds every second factor.
SECRETS_KEY = "secrets.key"
#: Not backed up: the database's own side files (the copy is consistent
#: without them), its writer lock, exports (re-creatable), document previews
#: (rendered again on demand), the plain pre-upgrade copies, sockets, and our
#: temp files.
EXCLUDED_DIRS = frozenset({"exports", "previews", "pre-upgrade"})
EXCLUDED_SUFFIXES = (
    "-wal",
    "-shm",
    "-journal",
    "-writer",
    ".sock",
    ".tmp",
)
EXCLUDED_PREFIXES = (".backup-", ".tilledge-", ".restore-")
SUFFIX = ".tar.age"
#: ``tilledge-<box>-<UTC time>.tar.age``; rotation touches only these.
NAME = re.compile(r"^tilledge-(?P<box>[a-z0-9-]+)-(?P<stamp>\d{8}T\d{6}Z)\.tar\.age$")
STAMP = "%Y%m%dT%H%M%SZ"
CHUNK = 1 << 20
STALE_SECONDS = 6 * 3600

Progress = Callable[[int, int], None]  # (steps done, STEPS): copy, pack, encrypt
STEPS = 3


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why, in one line."""


# ---------------------------------------------------------------- sealing --


@dataclass(frozen=True)
class Seal:
    """How a backup is encrypted: a passphrase, or X25519 key material."""

    passphrase: str | None = None
    recipients: tuple[x25519.Recipient, ...] = ()
    identities: tuple[x25519.Identity, ...] = ()

    @classmethod
    def from_passphrase_file(cls, path: Path) -> Seal:
        """The file's first line (without its newline) is the passphrase."""
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise BackupError(f"cannot read the passphrase file {path}: {e.strerror}") from e
        if not lines or not lines[0]:
            raise BackupError(f"the passphrase file {path} is empty")
        return cls(passphrase=lines[0])

    @classmethod
    def from_key_file(cls, path: Path) -> Seal:
        """An age identity file (``AGE-SECRET-KEY-…``: encrypts and decrypts)
        or a recipients file (``age1…``: encrypts only)."""
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise BackupError(f"cannot read the key file {path}: {e.strerror}") from e
        identities, recipients = [], []
        try:
            for line in (x.strip() for x in lines):
                if line.startswith("AGE-SECRET-KEY-"):
                    identity = x25519.Identity.from_str(line)
                    identities.append(identity)
                    recipients.append(identity.to_public())
                elif line.startswith("age1"):
                    recipients.append(x25519.Recipient.from_str(line))
        except (pyrage.IdentityError, pyrage.RecipientError, ValueError) as e:
            raise BackupError(f"the key file {path} holds a malformed key: {e}") from e
        if not recipients:
            raise BackupError(f"the key file {path} holds no age key (AGE-SECRET-KEY-… or age1…)")
        return cls(recipients=tuple(recipients), identities=tuple(identities))

    def encrypt(self, plain: Path, sealed: IO[bytes]) -> None:
        try:
            if self.passphrase is not None:
                sealed.write(age_passphrase.encrypt(plain.read_bytes(), self.passphrase))
            else:
                with plain.open("rb") as reader:
                    pyrage.encrypt_io(reader, sealed, list(self.recipients))
        except pyrage.EncryptError as e:
            raise BackupError(f"encryption failed: {e}") from e

    def decrypt(self, sealed: Path, plain: IO[bytes]) -> None:
        try:
            if self.passphrase is not None:
                plain.write(age_passphrase.decrypt(sealed.read_bytes(), self.passphrase))
            elif not self.identities:
                raise BackupError(
                    "the key file holds only a public key (age1…); restore needs the"
                    " identity file with AGE-SECRET-KEY-… that `tilledge backup keygen` wrote"
                )
            else:
                with sealed.open("rb") as reader:
                    pyrage.decrypt_io(reader, plain, list(self.identities))
        except (pyrage.DecryptError, OSError) as e:
            # Streaming, age reports a bad payload chunk as an OSError without
            # an errno; one with an errno is a real I/O error (disk full).
            if isinstance(e, OSError) and not isinstance(e, pyrage.DecryptError) and e.errno:
                raise
            raise BackupError(
                f"cannot decrypt {sealed} ({e}): wrong passphrase or key, or the file"
                " was changed or cut short — nothing was touched"
            ) from e


def keygen(path: Path) -> str:
    """Write a new identity file at ``path`` (0600, must not exist); its public key."""
    identity = x25519.Identity.generate()
    public = str(identity.to_public())
    text = (
        f"# created: {datetime.now(UTC).isoformat(timespec='seconds')}\n"
        f"# public key: {public}\n{identity}\n"
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as e:
        raise BackupError(f"{path} exists; choose a new file name") from e
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    return public


# --------------------------------------------------------------- writing --


@dataclass(frozen=True)
class Written:
    path: Path
    bytes: int
    manifest: dict[str, Any]


def file_name(box_name: str, moment: datetime) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", box_name.lower()).strip("-") or "box"
    return f"tilledge-{slug}-{moment.astimezone(UTC).strftime(STAMP)}{SUFFIX}"


def members(data: Path, *, with_secrets_key: bool) -> list[tuple[str, Path]]:
    """The data directory's files a backup carries besides the database, as
    (archive name, path), sorted."""
    found = []
    for root, dirs, files in os.walk(data):
        rel_root = Path(root).relative_to(data)
        dirs[:] = sorted(
            d
            for d in dirs
            if not (rel_root == Path(".") and d in EXCLUDED_DIRS) and not _excluded(d)
        )
        for name in files:
            path = Path(root, name)
            arcname = (rel_root / name).as_posix()
            if (
                arcname in (DB_NAME, MANIFEST)
                or _excluded(name)
                or not path.is_file()
                or path.is_symlink()
            ):
                continue
            if arcname == SECRETS_KEY and not with_secrets_key:
                continue
            found.append((arcname, path))
    return sorted(found)


def _excluded(name: str) -> bool:
    return name.startswith(EXCLUDED_PREFIXES) or name.endswith(EXCLUDED_SUFFIXES)


def create(
    data: Path,
    target_dir: Path,
    seal: Seal,
    *,
    box_name: str,
    with_secrets_key: bool = False,
    progress: Progress | None = None,
    moment: datetime | None = None,
) -> Written:
    """Write one encrypted backup of the data directory ``data`` into
    ``target_dir``: staged in the data directory (private, the same disk as
    what it copies), then encrypted to a temp file in ``target_dir``, synced
    and renamed, so the directory never shows a half-written backup."""
    db_path = data / DB_NAME
    if not db_path.exists():
        raise BackupError(f"no database at {db_path} (run `tilledge db migrate`)")
    moment = moment or datetime.now(UTC)
    target_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = target_dir / file_name(box_name, moment)
    if final.exists():
        raise BackupError(f"{final} exists; wait a second and run it again")
    _remove_stale(data)
    step = progress or (lambda done, total: None)
    with _staging(data, ".backup-") as stage:
        step(0, STEPS)
        copy = stage / DB_NAME
        _copy_database(db_path, copy)
        step(1, STEPS)
        box_id, schema = _identity(copy)
        archive = stage / "archive.tar"
        hashes: dict[str, dict[str, Any]] = {}
        with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
            hashes[DB_NAME] = _add(tar, DB_NAME, copy)
            for arcname, path in members(data, with_secrets_key=with_secrets_key):
                try:
                    hashes[arcname] = _add(tar, arcname, path)
                except FileNotFoundError:
                    continue  # removed since the walk (a temp file of the service)
            manifest = {
                "format": FORMAT_VERSION,
                "created_at": moment.astimezone(UTC).isoformat(timespec="seconds"),
                "app_version": VERSION,
                "box_id": box_id,
                "box_name": box_name,
                "schema": schema,
                "secrets_key": SECRETS_KEY in hashes,
                "members": hashes,
            }
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
        step(2, STEPS)
        _write_atomically(final, lambda out: seal.encrypt(archive, out))
        step(3, STEPS)
    return Written(final, final.stat().st_size, manifest)


def _remove_stale(data: Path) -> None:
    # A backup killed mid-way leaves its staging directory (a plain copy of
    # the database); the next backup clears those older than a run can take.
    cutoff = datetime.now(UTC).timestamp() - STALE_SECONDS
    for old in data.glob(".backup-*"):
        with suppress(OSError):
            if old.is_dir() and old.stat().st_mtime < cutoff:
                shutil.rmtree(old)


@contextmanager
def _staging(beside: Path, prefix: str) -> Iterator[Path]:
    stage = Path(tempfile.mkdtemp(prefix=prefix, dir=beside))  # 0700
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _copy_database(src_path: Path, dst_path: Path) -> None:
    src = connect(src_path, readonly=True)
    dst = sqlite3.connect(str(dst_path))
    try:
        # In one step: a stepwise backup starts over whenever the service
        # commits in between (a busy till might never let it finish), while
        # one step reads one WAL snapshot and blocks no writer.
        src.backup(dst, pages=-1)
        ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as e:
        raise BackupError(f"copying the database failed: {e}") from e
    finally:
        dst.close()
        src.close()
    if ok != "ok":
        raise BackupError(f"the copy of the database fails its integrity check: {ok}")


def _identity(db_path: Path) -> tuple[str, list[str]]:
    conn = sqlite3.connect(str(db_path))
    try:
        row = conn.execute("SELECT value FROM box_meta WHERE key = 'box_id'").fetchone()
    except sqlite3.Error:
        row = None
    finally:
        conn.close()
    return (row[0] if row else ""), migrations.applied(db_path)


class _Hashing(io.RawIOBase):
    """Reads through to ``raw`` and hashes what passes, so a member is read once."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.sha.update(chunk)
        return chunk


def _add(tar: tarfile.TarFile, arcname: str, path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        info = tar.gettarinfo(arcname=arcname, fileobj=f)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _Hashing(f)
        tar.addfile(info, reader)
    return {"sha256": reader.sha.hexdigest(), "size": info.size}


def _add_bytes(tar: tarfile.TarFile, arcname: str, data: bytes) -> None:
    info = tarfile.TarInfo(arcname)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _write_atomically(final: Path, write: Callable[[IO[bytes]], None]) -> None:
    tmp = final.with_name(f".{final.name}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    sync_dir(final.parent)


def sync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (a USB stick pulled right after)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------- reading --


def unpack(sealed: Path, seal: Seal, into: Path) -> dict[str, Any]:
    """Decrypt ``sealed``, unpack it into the empty directory ``into`` and
    check it against its manifest; the manifest. Raises :class:`BackupError`
    (and leaves only ``into`` changed) when it cannot be read or verified."""
    archive = into / ".restore-archive.tar"
    try:
        with archive.open("wb") as plain:
            seal.decrypt(sealed, plain)
        with tarfile.open(archive, "r:") as tar:
            # "data": no absolute paths, no "..", no links out, no devices.
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError) as e:
        raise BackupError(f"{sealed} is not a TillEdge backup: {e}") from e
    finally:
        archive.unlink(missing_ok=True)
    manifest = verify(into)
    (into / MANIFEST).unlink()
    return manifest


def verify(unpacked: Path) -> dict[str, Any]:
    """The manifest of an unpacked backup, once every member matches it."""
    try:
        manifest = json.loads((unpacked / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise BackupError(f"the backup has no readable {MANIFEST}: {e}") from e
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT_VERSION}")
    listed: dict[str, dict[str, Any]] = manifest.get("members", {})
    present = {
        Path(root, name).relative_to(unpacked).as_posix()
        for root, _, files in os.walk(unpacked)
        for name in files
    } - {MANIFEST}
    if DB_NAME not in listed:
        raise BackupError("the backup's manifest lists no database")
    if present != set(listed):
        odd = sorted(present ^ set(listed))
        raise BackupError(f"the backup does not match its manifest (refused): {', '.join(odd)}")
    for name, entry in listed.items():
        if _sha256(unpacked / name) != entry.get("sha256"):
            raise BackupError(f"{name} in the backup does not match its manifest hash (refused)")
    return manifest


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()
