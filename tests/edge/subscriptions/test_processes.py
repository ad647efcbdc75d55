"""Exactly once across processes (BACKOFFICE §10): the CLI billing run beside
the running service's API run, and a CLI run SIGKILLed in the middle again
and again — checked in the database: one invoice per (subscription,
period), every invoice with its period, numbers gapless."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import threading
import time
from datetime import date

import pytest

from edge.invoices.book import box_date
from edge.platform.clock import now_iso
from edge.platform.config import load_config
from edge.subscriptions.dates import starts
from tests.support.live import TILLEDGE, api_call, serve_env
from tests.support.live_box import LiveBox

SUBSCRIPTIONS = 8


def _seed(box: LiveBox) -> int:
    """Monthly subscriptions started about a year ago; the periods due today."""
    today = box_date(load_config(box.config), now_iso())
    first = date(today.year - 1, today.month, 1)
    customers = [int(box.customer(70000 + i)) for i in range(SUBSCRIPTIONS)]
    conn = sqlite3.connect(box.db)
    due = 0
    for i, cid in enumerate(customers):
        start = first.replace(day=1 + 3 * i)
        conn.execute(
            "INSERT INTO subscriptions (customer_id, description, amount, vat_rate_bp, interval,"
            " start_date, created_at, created_by, updated_at, updated_by)"
            " VALUES (?, 'Miete Kaffeemaschine', 2380, 1900, 'monthly', ?, 'x', 't', 'x', 't')",
            [cid, start.isoformat()],
        )
        due += len(list(starts(start, "monthly", today)))
    conn.commit()
    conn.close()
    return due


def _cli(box: LiveBox, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [TILLEDGE, "--config", str(box.config), "subscriptions", "bill", *args],
        env=serve_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip


def assert_billed_exactly_once(box: LiveBox, due: int) -> None:
    conn = sqlite3.connect(box.db)
    (doubled,) = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM subscription_periods"
        " GROUP BY subscription_id, period_start HAVING count(*) > 1)"
    ).fetchone()
    (periods,) = conn.execute("SELECT count(*) FROM subscription_periods").fetchone()
    (orphans,) = conn.execute(
        "SELECT count(*) FROM invoices"
        " WHERE id NOT IN (SELECT invoice_id FROM subscription_periods)"
    ).fetchone()
    numbers = sorted(r[0] for r in conn.execute("SELECT number FROM invoices"))
    conn.close()
    assert (doubled, orphans, periods) == (0, 0, due)
    year = numbers[0].split("-")[1]
    assert numbers == [f"RE-{year}-{i:05d}" for i in range(1, due + 1)]


def test_the_cli_beside_the_services_api_run_bills_each_period_once(tmp_path):
    box = LiveBox(tmp_path)
    manager = json.loads(
        subprocess.run(
            [TILLEDGE, "--config", str(box.config), "terminal", "add", "backoffice",
             "--scope", "pos,manager", "--json"],
            capture_output=True, text=True, check=True, env=serve_env(),
        ).stdout
    )["token"]  # fmt: skip
    due = _seed(box)
    box.start()
    try:
        answers: list[tuple[int, dict]] = []

        def api_run() -> None:
            status, data, _ = api_call(
                box.port, manager, "POST", "/subscriptions/billing-run", {}, "run-1", timeout=120
            )
            answers.append((status, data))

        thread = threading.Thread(target=api_run)
        cli = _cli(box, "--json")
        thread.start()
        out, _ = cli.communicate(timeout=300)
        thread.join()
    finally:
        box.stop()
    assert cli.returncode == 0
    ((status, api_result),) = answers
    assert status == 200, api_result
    cli_result = json.loads(out)
    assert cli_result["count"] + api_result["count"] == due
    assert not cli_result["failed"] and not api_result["failed"]
    assert_billed_exactly_once(box, due)


@pytest.mark.slow
def test_sigkill_in_the_middle_of_a_run_never_double_bills(tmp_path):
    box = LiveBox(tmp_path)
    due = _seed(box)
    rng = random.Random(18)
    conn = sqlite3.connect(box.db)

    def count() -> int:
        return int(conn.execute("SELECT count(*) FROM subscription_periods").fetchone()[0])

    billed = [0]
    for _ in range(5):
        # Killed once the run has billed a few more periods: in the middle.
        target = billed[-1] + rng.randint(1, due // 8)
        run = _cli(box)
        deadline = time.monotonic() + 120
        while count() < target and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        run.send_signal(signal.SIGKILL)
        run.wait()
        billed.append(count())
    conn.close()
    assert 0 < billed[-1] < due and billed == sorted(billed)
    final = _cli(box, "--json")
    out, _ = final.communicate(timeout=300)
    assert final.returncode == 0
    assert json.loads(out)["count"] == due - billed[-1]
    assert_billed_exactly_once(box, due)
