"""The daily job that stores ``expired`` for SEPA mandates unused for 36
months (:func:`edge.sepa.mandates.expire_stale`, one history entry each).

Reads already treat such a mandate as expired on the day (``status_on``);
storing it makes the customer's history say when it lapsed and lets an
export or a query on ``sepa_mandates.status`` see it. ``tilledge serve``
attaches it once per box, never the API workers: one writer is enough.
"""

from __future__ import annotations

from edge.invoices.book import box_date
from edge.platform.actor import Actor
from edge.platform.box import Box
from edge.platform.clock import now_iso
from edge.sepa.mandates import expire_stale

DAY_S = 24 * 3600.0
ACTOR = "system:sepa-expiry"


def expire_due(box: Box, at: str | None = None) -> int:
    """Expire the box's stale mandates as of ``at`` (now), in one write; how many."""
    actor = Actor(ACTOR, at or now_iso())
    day = box_date(box.config, actor.at)  # the box's calendar day, as the pre-flight counts
    return int(box.db.write(lambda conn: expire_stale(conn, actor, day)))


def attach(box: Box) -> None:
    """Run :func:`expire_due` at start and then daily until the box closes."""
    box.every(DAY_S, lambda: expire_due(box), "sepa-mandate-expiry")
