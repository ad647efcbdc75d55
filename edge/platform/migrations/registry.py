"""The one ``sqlite_utils.Migrations`` set every step module adds to, and the
statement runner the steps use. Imports only sqlite-utils."""

from __future__ import annotations

import sqlite3

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("tilledge")


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run DDL statement by statement: ``executescript`` would COMMIT first and
    break the migration's transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement!r}")
