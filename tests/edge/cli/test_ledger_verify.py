"""``tilledge ledger verify`` on a journal with a deleted entry: it names the
missing entry, not the one after the gap, in text and in ``--json``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from edge.cli import cli
from edge.platform import migrations
from tests.edge.ledger import journal_gen


def box_with_journal(tmp_path: Path, entries: int) -> Path:
    """A config whose database (the product's schema) holds a valid journal."""
    data = tmp_path / "data"
    data.mkdir()
    db = data / "tilledge.db"
    migrations.apply(db)
    rows, bal = journal_gen.make_rows(entries, 5)
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(
            "INSERT INTO operations (id, kind, customer_id, amount, actor, created_at) "
            "VALUES (?, 'test', 0, 0, 'pos', '2026')",
            [(o,) for o in sorted({r[2] for r in rows})],
        )
        conn.executemany(journal_gen.INSERT, journal_gen.hashed(rows))
        conn.executemany("INSERT INTO balances VALUES (?,?,?,?)", [(c, *b) for c, b in bal.items()])
    conn.close()
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[box]\ndata_dir = "{data}"\n', encoding="utf-8")
    return cfg


def delete_entry(cfg: Path, seq: int) -> None:
    conn = sqlite3.connect(cfg.parent / "data" / "tilledge.db")
    with conn:  # behind the box's back: the guard trigger goes first
        conn.execute("DROP TRIGGER journal_no_delete")
        conn.execute("DELETE FROM journal WHERE seq = ?", [seq])
    conn.close()


def verify(cfg: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--config", str(cfg), "ledger", "verify", *args])


def test_a_deleted_entry_is_named_as_missing(tmp_path: Path) -> None:
    cfg = box_with_journal(tmp_path, 40)
    assert verify(cfg).exit_code == 0
    delete_entry(cfg, 5)
    bad = verify(cfg)
    assert bad.exit_code == 2
    assert bad.stderr.strip().splitlines()[-1] == (  # after the progress bar's label
        "tilledge: journal verification failed: entry 5 missing (the next entry has seq 6)"
    )
    bad = verify(cfg, "--json")
    assert bad.exit_code == 2
    report = json.loads(bad.stdout)
    assert (report["ok"], report["first_bad_seq"], report["bad_customer"]) == (False, 5, None)
    assert (report["entries"], report["reason"]) == (
        4,
        "entry 5 missing (the next entry has seq 6)",
    )


def test_the_first_entry_deleted(tmp_path: Path) -> None:
    cfg = box_with_journal(tmp_path, 10)
    delete_entry(cfg, 1)
    report = json.loads(verify(cfg, "--json").stdout)
    assert (report["first_bad_seq"], report["entries"]) == (1, 0)
    assert report["reason"] == "entry 1 missing (the next entry has seq 2)"
