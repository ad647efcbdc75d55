"""Terminal names are unique: issuing picks a free one, m007 repairs old boxes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edge.platform import migrations
from edge.platform.box import Box
from edge.security.tokens import issue_token, lookup


def test_a_taken_name_becomes_the_first_free_one(box: Box) -> None:
    names = [
        box.db.write(lambda c, n=n: issue_token(c, n, ["pos"]))["name"]
        for n in ("Till 2", "Till 2", "till 2", "Till 2 (2)", "Till 2")
    ]
    assert names == ["Till 2", "Till 2 (2)", "till 2 (3)", "Till 2 (2) (2)", "Till 2 (4)"]
    long = "x" * 64
    box.db.write(lambda c: issue_token(c, long, ["pos"]))
    again = box.db.write(lambda c: issue_token(c, long, ["pos"]))["name"]
    assert again == "x" * 60 + " (2)"


def test_the_index_refuses_a_duplicate_written_around_issuing(box: Box) -> None:
    box.db.write(lambda c: issue_token(c, "Till 1", ["pos"]))
    with pytest.raises(sqlite3.IntegrityError):
        box.db.write(
            lambda c: c.execute(
                "INSERT INTO terminals (name, scopes, token_hash, created_at)"
                " VALUES ('TILL 1', 'pos', 'h', 'x')"
            )
        )


def test_actor_and_key_scope_carry_the_id(box: Box) -> None:
    token = str(box.db.write(lambda c: issue_token(c, "Till 2", ["pos"]))["token"])
    principal = lookup(box.db.reader(), token)
    assert principal is not None
    assert principal.actor == f"terminal:{principal.id} Till 2"
    assert principal.key_scope == f"terminal:{principal.id}"


def test_m007_renames_duplicates_and_moves_unambiguous_keys(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    migrations.apply(db, stop_before="m008_unique_terminal_names")
    conn = sqlite3.connect(db)
    for i, name in enumerate(("Till 2", "Till 1", "till 2", "Till 2 (2)")):
        conn.execute(
            "INSERT INTO terminals (name, scopes, token_hash, created_at)"
            " VALUES (?, 'pos', ?, 'x')",
            [name, f"h{i}"],
        )
    for scope in ("terminal:Till 1", "terminal:Till 2", "user:cara"):
        conn.execute(
            "INSERT INTO idempotency_keys (scope, key, request_hash, status, response,"
            " created_at) VALUES (?, 'k', 'h', 201, '{}', 'x')",
            [scope],
        )
    conn.commit()
    conn.close()
    assert "m008_unique_terminal_names" in migrations.apply(db)
    conn = sqlite3.connect(db)
    names = [r[0] for r in conn.execute("SELECT name FROM terminals ORDER BY id")]
    assert names == ["Till 2", "Till 1", "till 2 (3)", "Till 2 (2)"]
    scopes = sorted(r[0] for r in conn.execute("SELECT scope FROM idempotency_keys"))
    # "Till 1" was one terminal's (id 2); "Till 2" was shared, so it stays behind.
    assert scopes == ["terminal:2", "terminal:Till 2", "user:cara"]
    conn.close()
