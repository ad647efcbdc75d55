"""Changing the TOML config file the way a technician would by hand: only the
keys asked for, comments and layout kept (tomlkit), the result validated
before it replaces the old file, and the replacement atomic (write, fsync,
rename), so a power cut leaves either the old file or the new one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from edge.platform.config import Config, ConfigError, load_config

#: The mode of a config file we create: it names paths, never secrets, and
#: the service user must read it.
NEW_FILE_MODE = 0o644


def read_document(path: Path, template: str = "") -> tomlkit.TOMLDocument:
    """The file as an editable document (``template`` when it does not exist)."""
    text = path.read_text(encoding="utf-8") if path.exists() else template
    return tomlkit.parse(text)


def flatten(answers: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"box": {"name": "x"}}`` → ``{"box.name": "x"}``; lists stay values."""
    out: dict[str, Any] = {}
    for key, value in answers.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{dotted}."))
        else:
            out[dotted] = value
    return out


def set_keys(doc: tomlkit.TOMLDocument, changes: Mapping[str, Any]) -> list[str]:
    """Set each dotted key; the keys whose value changed, in order."""
    changed = []
    for dotted, value in changes.items():
        *parents, leaf = dotted.split(".")
        node: Any = doc
        for part in parents:
            if part not in node:
                node[part] = tomlkit.table()
            node = node[part]
            if not isinstance(node, (Table, tomlkit.TOMLDocument, dict)):
                raise ConfigError(f"{dotted}: {part} is a value, not a section")
        old = node.get(leaf)
        plain_old = old.unwrap() if hasattr(old, "unwrap") else old
        if leaf in node and plain_old == value:
            continue
        node[leaf] = value
        changed.append(dotted)
    return changed


def write_validated(path: Path, doc: tomlkit.TOMLDocument) -> Config:
    """Validate ``doc`` as a config, then put it at ``path`` atomically.

    Raises ConfigError (naming the key) and leaves ``path`` untouched when the
    result would not load.
    """
    text = tomlkit.dumps(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else NEW_FILE_MODE
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            config = load_config(tmp, environ={})
        except ConfigError as e:  # name the file the technician knows
            raise ConfigError(str(e).replace(str(tmp), str(path))) from None
        tmp.chmod(mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a power cut
    finally:
        os.close(dir_fd)
    return config
