"""Content-addressed document bytes: ``<root>/ab/cdef…`` by SHA-256.

Written to a temp file in the target directory, fsynced, renamed into place
and the directory synced — before the row that names it commits, so a row
never points at bytes that are not on disk. Files are 0600, directories 0700
(the documents are personal data). Imports ``edge.platform.backup``'s
``sync_dir``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from edge.platform.backup import sync_dir


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def path_of(root: Path, sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return root / sha256[:2] / sha256[2:]


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)  # mkdir's mode is masked by the umask


def put(root: Path, data: bytes) -> str:
    """Store ``data`` (once: the same bytes again are already there); its hash."""
    sha = digest(data)
    final = path_of(root, sha)
    if final.exists() and final.stat().st_size == len(data):
        return sha
    _private_dir(root)
    _private_dir(final.parent)
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-")  # mkstemp: 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    sync_dir(final.parent)
    return sha


def read(root: Path, sha256: str) -> bytes:
    return path_of(root, sha256).read_bytes()


def remove(root: Path, sha256: str) -> None:
    """Remove the bytes (and the fan-out directory once it is empty)."""
    path = path_of(root, sha256)
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # other blobs share the directory
        path.parent.rmdir()
