"""Which backups to keep: the newest N days and the newest of each of M ISO weeks.

Only files named like ours (:data:`edge.platform.backup.NAME`) for this box
are ever considered, so a USB stick shared with other boxes or other files
loses nothing else. The time is read from the name, not the file's mtime: a
copied stick keeps its backups' ages. Imports ``edge.platform.backup``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from edge.platform.backup import NAME, STAMP, file_name


@dataclass(frozen=True)
class Rotation:
    kept: list[Path]
    deleted: list[Path]


def backups(directory: Path, box_name: str) -> list[tuple[datetime, Path]]:
    """This box's backups in ``directory``, newest first."""
    box = NAME.match(file_name(box_name, datetime.now(UTC)))
    assert box is not None
    found = []
    for path in directory.iterdir() if directory.is_dir() else ():
        m = NAME.match(path.name)
        if m is None or m["box"] != box["box"] or not path.is_file():
            continue
        found.append((datetime.strptime(m["stamp"], STAMP).replace(tzinfo=UTC), path))
    return sorted(found, reverse=True)


def choose(stamps: list[datetime], keep_daily: int, keep_weekly: int) -> set[datetime]:
    """The times to keep: the newest of each of the ``keep_daily`` newest days
    that have a backup, and the newest of each of the ``keep_weekly`` newest
    ISO weeks. The newest backup is always kept."""
    keep: set[datetime] = set()
    days: dict[object, datetime] = {}
    weeks: dict[object, datetime] = {}
    for t in sorted(stamps, reverse=True):
        days.setdefault(t.date(), t)
        weeks.setdefault(t.isocalendar()[:2], t)
    keep.update(list(days.values())[:keep_daily])
    keep.update(list(weeks.values())[:keep_weekly])
    if stamps:
        keep.add(max(stamps))
    return keep


def rotate(directory: Path, box_name: str, keep_daily: int, keep_weekly: int) -> Rotation:
    found = backups(directory, box_name)
    keep = choose([t for t, _ in found], keep_daily, keep_weekly)
    kept, deleted = [], []
    for t, path in found:
        if t in keep:
            kept.append(path)
        else:
            path.unlink(missing_ok=True)
            deleted.append(path)
    return Rotation(kept, deleted)
