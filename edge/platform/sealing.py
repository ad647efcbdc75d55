"""Secrets sealed at rest: TOTP secrets in the database are Fernet tokens
(AES-128-CBC + HMAC-SHA256, ``cryptography``) under a key kept *outside* it.

The key is ``secrets.key`` in the data dir (next to ``tilledge.db``), 0600,
created on first use. A copied or leaked database — a backup, a support
dump — then reveals no second factor; ``tilledge db backup`` leaves the key
out unless ``--with-secrets-key`` is given. A box restored without the key
cannot open the sealed secrets: those accounts cannot log in until their
second factor is re-enrolled (``tilledge user totp NAME``), and the box says
so at start (:func:`unreadable_count`). Fail closed: a secret that cannot be
opened never means "no second factor".

No imports of the project; the key's path is derived from the database's.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

__all__ = [
    "KEY_FILE",
    "PREFIX",
    "db_file",
    "key_path",
    "open_secret",
    "seal",
    "unreadable_count",
    "write_private",
]

KEY_FILE = "secrets.key"
PREFIX = "fernet:"  # a sealed value; anything else is a clear one from before m008


def key_path(db_path: str | Path) -> Path:
    return Path(db_path).parent / KEY_FILE


def db_file(conn: sqlite3.Connection) -> Path:
    """The file behind ``conn``'s main database (migrations get only a connection)."""
    for row in conn.execute("PRAGMA database_list").fetchall():
        if row[1] == "main":
            return Path(row[2])
    raise RuntimeError("no main database")  # pragma: no cover - SQLite always has one


def _fernet(db_path: str | Path, *, create: bool) -> Fernet | None:
    path = key_path(db_path)
    try:
        return Fernet(path.read_bytes().strip())
    except FileNotFoundError:
        if not create:
            return None
    key = Fernet.generate_key()
    try:
        write_private(path, key + b"\n")
    except FileExistsError:  # another process created it first: use theirs
        return Fernet(path.read_bytes().strip())
    return Fernet(key)


def write_private(path: Path, data: bytes) -> None:
    """A new 0600 file with ``data``, synced (a sealed secret must never outlive
    its key on a power cut); FileExistsError if ``path`` exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def seal(db_path: str | Path, secret: str) -> str:
    """``secret`` as stored: a Fernet token (the key is created if missing)."""
    fernet = _fernet(db_path, create=True)
    assert fernet is not None
    return PREFIX + fernet.encrypt(secret.encode()).decode()


def open_secret(db_path: str | Path, stored: str) -> str | None:
    """The clear secret, or None when its key is missing or not the one it was
    sealed with (restored without ``--with-secrets-key``)."""
    if not stored.startswith(PREFIX):
        return stored
    fernet = _fernet(db_path, create=False)
    if fernet is None:
        return None
    try:
        return fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        return None


def unreadable_count(conn: sqlite3.Connection) -> int:
    """How many sealed TOTP secrets this box cannot open (0 normally)."""
    rows = conn.execute(
        "SELECT totp_secret FROM users WHERE totp_secret LIKE ?", [PREFIX + "%"]
    ).fetchall()
    path = db_file(conn)
    return sum(1 for r in rows if open_secret(path, r[0]) is None)
