"""The writer on a full disk, in-process: SQLite's own ``SQLITE_FULL`` (a
``max_page_count`` cap makes it without filling a disk) and ``ENOSPC`` fail
the whole batch as ``StorageFull``, keep refusals as they were, are
remembered until a commit succeeds, and the API answers them ``507``. The
real disk is tests/edge/platform/test_disk_full.py."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest

from edge.errors import NotFound, StorageFull
from edge.platform import migrations
from edge.platform.db import Database


@pytest.fixture
def db(tmp_path: Any) -> Iterator[Database]:
    path = tmp_path / "w.db"
    migrations.apply(path)
    d = Database(path)
    yield d
    d.close()


def cap_pages(db: Database, extra: int = 0) -> None:
    """Let the database grow by ``extra`` pages at most (SQLITE_FULL beyond)."""
    db.writer.start()
    conn = db.writer._conn
    assert conn is not None
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + extra}")


def insert(key: str, size: int = 10) -> Any:
    def fn(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO box_meta (key, value) VALUES (?, ?)", [key, "x" * size])

    return fn


def keys(db: Database) -> set[str]:
    return {r[0] for r in db.reader().execute("SELECT key FROM box_meta")}


def test_sqlite_full_fails_the_whole_batch_and_recovers(db: Database) -> None:
    cap_pages(db)
    refused = NotFound("no such thing")

    def refuse(conn: sqlite3.Connection) -> None:
        raise refused

    results = db.writer.submit_all([insert("a"), refuse, insert("big", 200_000), insert("b")])
    assert [type(e) for _, e in results] == [StorageFull, NotFound, StorageFull, StorageFull]
    assert results[1][1] is refused
    assert not {"a", "big", "b"} & keys(db)
    assert db.storage_full
    cap_pages(db, extra=1000)  # space freed
    db.write(insert("c"))
    assert "c" in keys(db) and not db.storage_full


def test_enospc_from_the_operation_is_storage_full(db: Database) -> None:
    def no_space(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO box_meta (key, value) VALUES ('half', 'x')")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(StorageFull, match="full"):
        db.write(no_space)
    assert "half" not in keys(db) and db.storage_full


def test_probe_clears_only_when_there_is_room(db: Database, monkeypatch: Any) -> None:
    cap_pages(db)
    with pytest.raises(StorageFull):
        db.write(insert("big", 200_000))
    cap_pages(db, extra=1000)

    monkeypatch.setattr(os, "statvfs", lambda path: NoRoom())
    assert db.probe_storage() is True  # no room on the disk: not even tried
    monkeypatch.undo()
    assert db.probe_storage() is False
    assert not db.storage_full


class NoRoom:
    f_bavail, f_frsize = 0, 4096


def test_api_answers_507_and_keeps_the_key_unburned(box: Any, pos: Any, monkeypatch: Any) -> None:
    created = pos.post("/customers", {"type": "individual", "last_name": "Full"})
    assert created.status_code == 201, created.json
    topups = f"/customers/{created.json['id']}/topups"
    cap_pages(box.db)
    # Top-ups fill the pages there are; the one that needs a new page fails.
    for i in range(500):
        key = f"full-disk-{i}"
        resp = pos.post(topups, {"amount": 500}, idem=key)
        if resp.status_code != 201:
            break
    assert resp.status_code == 507, resp.json
    assert resp.json["code"] == "storage_full"
    assert resp.headers["Retry-After"] == "30"
    assert resp.mimetype == "application/problem+json"
    monkeypatch.setattr(os, "statvfs", lambda path: NoRoom())  # the cap, as the disk sees it
    health = pos.get("/health").json
    assert (health["db"], health["status"]) == ("full", "degraded")
    monkeypatch.undo()
    cap_pages(box.db, extra=10_000)
    resp = pos.post(topups, {"amount": 500}, idem=key)
    assert resp.status_code == 201, resp.json
    assert "Idempotent-Replayed" not in resp.headers
    assert pos.get("/health").json["db"] == "ok"


def test_periodic_task_on_a_full_disk_logs_one_line(box: Any, caplog: Any) -> None:
    # The hourly key purge on a full disk: one warning, no traceback each hour.
    cap_pages(box.db)
    with caplog.at_level(logging.WARNING, logger="edge.platform.box"):
        box.every(3600, lambda: box.db.write(insert("big", 200_000)), "purge-test")
        deadline = time.monotonic() + 10
        while not [r for r in caplog.records if "purge-test" in r.getMessage()]:
            assert time.monotonic() < deadline, "the periodic task never ran"
            time.sleep(0.01)
    cap_pages(box.db, extra=1000)
    (rec,) = [r for r in caplog.records if "purge-test" in r.getMessage()]
    assert rec.levelno == logging.WARNING and "disk is full" in rec.getMessage()
    assert rec.exc_info is None
