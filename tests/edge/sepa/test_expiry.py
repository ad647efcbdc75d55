"""The daily mandate expiry ``tilledge serve`` schedules: the job itself
(not its timer) stores ``expired`` for a mandate last collected 37 months
ago, with a history entry, and leaves one collected 35 months ago active."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from edge.platform.box import Box
from edge.sepa import expiry
from edge.sepa.preflight import months_later
from tests.edge.sepa.conftest import at

TODAY = date(2031, 3, 15)


def collected(box: Box, cid: int, on: date) -> None:
    # What booking a file's collection stores (collections.book), without a file.
    box.db.write(lambda c: c.execute(
        "UPDATE sepa_mandates SET last_collected_on = ? WHERE customer_id = ?",
        [on.isoformat(), cid]))  # fmt: skip


def mandate(box: Box, cid: int) -> Any:
    return (
        box.db.reader()
        .execute("SELECT * FROM sepa_mandates WHERE customer_id = ?", [cid])
        .fetchone()
    )


def test_the_daily_job_expires_a_mandate_unused_for_36_months(box: Box, debtor: Any) -> None:
    stale = debtor("ABO-ALT", signed=date(2027, 1, 10))
    recent = debtor("ABO-NEU", signed=date(2027, 1, 10))
    collected(box, stale, months_later(TODAY, -37))
    collected(box, recent, months_later(TODAY, -35))

    assert expiry.expire_due(box, at(TODAY).at) == 1

    row = mandate(box, stale)
    assert row["status"] == "expired" and row["updated_by"] == expiry.ACTOR
    assert mandate(box, recent)["status"] == "active"
    history = box.db.reader().execute(
        "SELECT actor, new FROM customer_history WHERE customer_id = ? AND field = 'sepa_mandate'"
        " ORDER BY id DESC LIMIT 1", [stale]).fetchone()  # fmt: skip
    assert history["actor"] == expiry.ACTOR
    assert json.loads(history["new"])["event"] == "expired"
    # The next day's run finds nothing more to do.
    assert expiry.expire_due(box, at(TODAY).at) == 0
