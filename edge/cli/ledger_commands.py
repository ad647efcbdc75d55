"""``tilledge ledger verify``: replay the journal through the Rust core."""

from __future__ import annotations

import sqlite3
import sys

import click

from edge import ledger
from edge.cli.group import State, cli, emit, fail, json_option, pass_state


@cli.group("ledger")
def ledger_group() -> None:
    """The money journal."""


@ledger_group.command()
@json_option
@pass_state
def verify(state: State, as_json: bool) -> None:
    """Replay the journal: hash chain, balances after each entry, cached balances.

    Exits non-zero naming the first discrepancy.
    """
    path = state.config.db_path
    if not path.exists():
        fail(f"no database at {path}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        total = conn.execute("SELECT count(*) FROM journal").fetchone()[0]
    except sqlite3.Error as e:
        fail(f"cannot read the journal at {path}: {e}")
    finally:
        conn.close()
    with click.progressbar(length=total, label="Verifying journal", file=sys.stderr) as bar:
        done = [0]

        def progress(n: int) -> None:
            bar.update(n - done[0])
            done[0] = n

        try:
            report = ledger.verify_journal(path, progress)
        except RuntimeError as e:
            fail(str(e))
    data = {
        "ok": report.ok,
        "database": str(path),
        "entries": report.entries_checked,
        "customers": report.customers,
        "balances_checked": report.balances_checked,
        "last_seq": report.last_seq,
        "head_hash": report.head_hash.hex(),
        "first_bad_seq": report.first_bad_seq,
        "bad_customer": report.bad_customer,
        "reason": report.reason,
    }
    if not report.ok:
        if as_json:
            emit(True, data, "")
        where = f"entry {report.first_bad_seq}" if report.first_bad_seq else "balances"
        who = f" (customer {report.bad_customer})" if report.bad_customer else ""
        if (report.reason or "").startswith(where):  # "entry 5 missing …" names it already
            fail(f"journal verification failed: {report.reason}", code=2)
        fail(f"journal verification failed at {where}{who}: {report.reason}", code=2)
    emit(
        as_json,
        data,
        f"journal ok: {report.entries_checked:,} entries, {report.customers:,} customers, "
        f"{report.balances_checked:,} cached balances match; head {data['head_hash'][:16]}…",
    )
