"""Collection files across processes (BACKOFFICE §10), checked in the
database: two ``tilledge sepa file`` runs at once put no invoice into two
files, and a run SIGKILLed at random moments leaves either no file or one
complete file (its collections, its invoices pending) — never a half."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import time
from datetime import timedelta

import pytest

from edge.invoices.book import box_date
from edge.platform.clock import now_iso
from edge.platform.config import load_config
from tests.edge.sepa.conftest import CREDITOR, IBAN
from tests.support.live import TILLEDGE, insert_customer, serve_env
from tests.support.live_box import LiveBox

DEBTORS = 6


def _box(tmp_path) -> tuple[LiveBox, int]:  # type: ignore[no-untyped-def]
    """A box with SEPA subscriptions billed for two periods each: the
    invoices due for direct debit (their number)."""
    box = LiveBox(tmp_path)
    sepa = "\n".join(
        f"{k.split('.')[1]} = {json.dumps(v)}" for k, v in CREDITOR.items()
    )  # fmt: skip
    box.config.write_text(box.config.read_text() + f"[sepa]\n{sepa}\n", encoding="utf-8")
    today = box_date(load_config(box.config), now_iso())
    start = (today - timedelta(days=40)).replace(day=1)
    signed = (today - timedelta(days=60)).isoformat()
    conn = sqlite3.connect(box.db)
    for i in range(DEBTORS):
        cid = insert_customer(conn, 80000 + i, f"Kunde {i}", "t")
        conn.execute(
            "UPDATE customers SET allow_invoice_payment = 1, city = 'Köln', country = 'DE',"
            " iban = ?, sepa_mandate_reference = ?, sepa_mandate_date = ? WHERE id = ?",
            [IBAN, f"ABO-{i}", signed, cid],
        )
        conn.execute(
            "INSERT INTO sepa_mandates (customer_id, reference, signed_on, iban, created_at,"
            " created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, 'x', 't', 'x', 't')",
            [cid, f"ABO-{i}", signed, IBAN],
        )
        conn.execute(
            "INSERT INTO subscriptions (customer_id, description, amount, vat_rate_bp, interval,"
            " start_date, sepa, created_at, created_by, updated_at, updated_by)"
            " VALUES (?, 'Miete', 2380, 1900, 'monthly', ?, 1, 'x', 't', 'x', 't')",
            [cid, start.isoformat()],
        )
    conn.commit()
    conn.close()
    subprocess.run([TILLEDGE, "--config", str(box.config), "subscriptions", "bill"],
                   env=serve_env(), check=True, capture_output=True)  # fmt: skip
    conn = sqlite3.connect(box.db)
    (due,) = conn.execute("SELECT count(*) FROM invoices WHERE sepa_state = 'due'").fetchone()
    conn.close()
    assert due >= DEBTORS
    return box, int(due)


def _file(box: LiveBox) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [TILLEDGE, "--config", str(box.config), "sepa", "file", "--json"],
        env=serve_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def assert_whole(box: LiveBox, due: int) -> int:
    """Each file complete, each invoice in at most one: the files' count."""
    conn = sqlite3.connect(box.db)
    files = conn.execute("SELECT id, count, control_sum FROM sepa_files").fetchall()
    for fid, count, total in files:
        rows = conn.execute(
            "SELECT count(*), sum(amount) FROM sepa_collections WHERE file_id = ?", [fid]
        ).fetchone()
        assert rows == (count, total)
    (twice,) = conn.execute(
        "SELECT count(*) FROM (SELECT invoice_id FROM sepa_collections"
        " GROUP BY invoice_id HAVING count(*) > 1)"
    ).fetchone()
    states = dict(conn.execute("SELECT sepa_state, count(*) FROM invoices GROUP BY sepa_state"))
    (collected,) = conn.execute("SELECT count(*) FROM sepa_collections").fetchone()
    conn.close()
    assert twice == 0
    assert states.get("pending", 0) == collected
    assert states.get("pending", 0) + states.get("due", 0) == due
    return len(files)


def test_two_files_at_once_never_collect_an_invoice_twice(tmp_path):
    box, due = _box(tmp_path)
    runs = [_file(box), _file(box)]
    outs = [r.communicate(timeout=120) for r in runs]
    codes = sorted(r.returncode for r in runs)
    assert codes == [0, 1], outs  # the second found nothing due
    made = next(json.loads(out) for out, _ in outs if out.strip())
    assert made["count"] == due
    assert assert_whole(box, due) == 1


@pytest.mark.slow
def test_sigkill_while_making_a_file_leaves_none_or_a_whole_one(tmp_path):
    box, due = _box(tmp_path)
    rng = random.Random(18)
    for _ in range(6):
        run = _file(box)
        time.sleep(rng.uniform(0.2, 2.0))
        run.send_signal(signal.SIGKILL)
        run.wait()
        files = assert_whole(box, due)
        assert files <= 1
        if files:
            break
    final = _file(box)
    final.communicate(timeout=120)
    assert assert_whole(box, due) == 1
