import sqlite3

from edge.platform import migrations


def tables(path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def test_fresh_database_gets_every_migration(tmp_path):
    db = tmp_path / "t.db"
    done = migrations.apply(db)
    assert done == [m.name for m in migrations.migrations._migrations]
    assert migrations.applied(db) == done
    assert {"box_meta", "terminals", "users", "journal", "balances"} <= tables(db)


# The released migrations in the order boxes in the field ran them. A new one
# is appended; reordering or renaming one would re-run or skip DDL on upgrade.
RELEASED = [
    "m001_foundation",
    "m002_ledger",
    "m_security_pairing_sessions",
    "m003_customers",
    "m004_money_indexes",
    "m005_print_outbox",
    "m006_fewer_pages_per_operation",
]


def test_released_migrations_keep_their_names_and_order():
    names = [m.name for m in migrations.migrations._migrations]
    assert names[: len(RELEASED)] == RELEASED


def test_migrate_is_idempotent(tmp_path):
    db = tmp_path / "t.db"
    migrations.apply(db)
    before = tables(db)
    assert migrations.apply(db) == []
    assert migrations.apply(db) == []
    assert tables(db) == before


def test_upgrade_from_previous_version_keeps_data(tmp_path):
    db = tmp_path / "t.db"
    latest = migrations.latest()
    # A database made by the previous schema version ...
    migrations.apply(db, stop_before=latest)
    assert latest not in migrations.applied(db)
    conn = sqlite3.connect(db)
    box_id = conn.execute("SELECT value FROM box_meta WHERE key='box_id'").fetchone()[0]
    conn.execute(
        "INSERT INTO terminals (name, scopes, token_hash, created_at) VALUES ('t','pos','h','x')"
    )
    conn.commit()
    conn.close()
    # ... is upgraded in place, data intact.
    assert migrations.apply(db) == [latest]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT value FROM box_meta WHERE key='box_id'").fetchone()[0] == box_id
    assert conn.execute("SELECT count(*) FROM terminals").fetchone()[0] == 1
    conn.close()


def test_pragmas(tmp_path):
    from edge.platform.db import connect

    db = tmp_path / "t.db"
    migrations.apply(db)
    conn = connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_journal_is_append_only(tmp_path):
    import pytest

    from edge.platform.db import connect

    db = tmp_path / "t.db"
    migrations.apply(db)
    conn = connect(db)
    conn.execute(
        "INSERT INTO operations (kind, customer_id, amount, actor, created_at)"
        " VALUES ('topup', 1, 100, 't', 'now')"
    )
    conn.execute(
        "INSERT INTO journal (customer_id, operation_id, type, account, amount, actor,"
        " created_at, hash) VALUES (1, 1, 0, 'cash', 100, 't', 'now', x'00')"
    )
    with pytest.raises(sqlite3.IntegrityError, match="never updated"):
        conn.execute("UPDATE journal SET amount = 1")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        conn.execute("DELETE FROM journal")
