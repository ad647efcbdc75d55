import sqlite3
import threading

import pytest

from edge.platform import migrations
from edge.platform.db import Database, connect


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "w.db"
    migrations.apply(path)
    d = Database(path)
    yield d
    d.close()


def insert(name):
    def fn(conn: sqlite3.Connection):
        return conn.execute("INSERT INTO box_meta (key, value) VALUES (?, 'v')", [name]).lastrowid

    return fn


def test_write_is_visible_to_a_new_connection(db):
    db.write(insert("a"))
    other = connect(db.path)
    assert other.execute("SELECT count(*) FROM box_meta WHERE key='a'").fetchone()[0] == 1


def test_failing_operation_rolls_back_alone(db):
    def half_then_fail(conn):
        conn.execute("INSERT INTO box_meta (key, value) VALUES ('half', 'v')")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        db.write(half_then_fail)
    db.write(insert("after"))
    rows = {r[0] for r in db.reader().execute("SELECT key FROM box_meta")}
    assert "half" not in rows and "after" in rows


def test_concurrent_writes_share_commits_and_fail_independently(db):
    n = 200
    errors = []
    barrier = threading.Barrier(16)

    def worker(i):
        barrier.wait()
        for j in range(n // 16 + 1):
            key = f"k{i}-{j}"
            if j % 5 == 0:
                try:
                    # duplicate key: fails, must not take its batch-mates with it
                    db.write(insert("a-dup"))
                except sqlite3.IntegrityError:
                    errors.append(key)
            else:
                db.write(insert(key))

    db.write(insert("a-dup"))
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    count = db.reader().execute("SELECT count(*) FROM box_meta WHERE key LIKE 'k%'").fetchone()[0]
    expected_ok = sum(1 for j in range(n // 16 + 1) if j % 5 != 0) * 16
    assert count == expected_ok
    assert len(errors) == 16 * sum(1 for j in range(n // 16 + 1) if j % 5 == 0)
    w = db.writer
    assert w.operations >= expected_ok + len(errors)
    # Group commit: fewer commits than operations under contention.
    assert w.commits < w.operations


def test_nested_write_is_refused(db):
    def outer(conn):
        return db.write(insert("inner"))

    with pytest.raises(RuntimeError, match="nested write"):
        db.write(outer)


def test_idempotency_keys_are_kept_at_least_seven_days(db):
    from datetime import UTC, datetime, timedelta

    from edge.platform.retention import purge_idempotency_keys

    now = datetime(2026, 11, 24, tzinfo=UTC)

    def add(key, age):
        at = (now - age).isoformat().replace("+00:00", "Z")
        return lambda conn: conn.execute(
            "INSERT INTO idempotency_keys VALUES ('t', ?, 'h', 201, '{}', ?)", [key, at]
        )

    def keys():
        return {r[0] for r in db.reader().execute("SELECT key FROM idempotency_keys")}

    db.write(add("old", timedelta(days=9)))
    db.write(add("older", timedelta(days=10)))  # the clock went back: never a problem
    db.write(add("week", timedelta(days=7, hours=23)))
    db.write(add("fresh", timedelta(days=1)))
    assert db.write(lambda conn: purge_idempotency_keys(conn, now)) == 2
    assert keys() == {"week", "fresh"}

    # After a clock jump backwards a key may be kept longer, never shorter.
    db.write(add("stale-after-jump", timedelta(days=30)))
    assert db.write(lambda conn: purge_idempotency_keys(conn, now)) == 0
    assert "stale-after-jump" in keys()
    later = now + timedelta(days=8)
    assert db.write(lambda conn: purge_idempotency_keys(conn, later)) == 3
    assert keys() == set()


def test_writer_never_checkpoints_inside_a_commit_but_the_background_does(db):
    for i in range(1200):
        db.write(insert(f"c{i}"))
    # SQLite's default would checkpoint at 1000 WAL frames inside a commit and
    # reuse the log; the writer leaves that to the background, so the log grew.
    frames = (db.path.with_name(db.path.name + "-wal").stat().st_size - 32) // (4096 + 24)
    assert frames > 1100
    db.checkpoint()
    conn = connect(db.path)
    busy, log_frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0 and done == log_frames
    assert conn.execute("SELECT count(*) FROM box_meta WHERE key LIKE 'c%'").fetchone()[0] == 1200
