"""Subscription routes (BACKOFFICE §10, docs/subscriptions.md): list, read,
create, change, pause, resume, cancel at the period's end, and the billing
run. ``pos`` reads; ``manager`` writes. Every POST runs once per
``Idempotency-Key``; the billing run bills each period in its own
transaction and stores its answer under the key at the end."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Response

from edge.api import subscription_schemas as m
from edge.api.auth import current_actor
from edge.api.bounds import query_id
from edge.api.context import current_box
from edge.api.idempotency import commit, commit_answering, replayed
from edge.api.registry import api
from edge.customers.service import parse_id
from edge.errors import NotFound
from edge.invoices.book import box_date
from edge.platform.actor import Actor
from edge.platform.bounds import parse_row_id
from edge.platform.clock import now_iso
from edge.platform.config import Config
from edge.subscriptions import store
from edge.subscriptions.billing import bill

routes = api.section("subscriptions")
WRITE_ERRORS = ("not_found", "conflict", "validation_error")


def _id(raw: str) -> int:
    value = parse_row_id(raw)
    if value is None:
        raise NotFound(f"no subscription {raw}")
    return value


def _today(config: Config) -> date:
    return box_date(config, now_iso())


def _write(
    fn: Callable[[sqlite3.Connection, Actor], Any], status: int, answer: int | None = None
) -> Response:
    """One write under the request's key, answering the subscription."""
    config = current_box().config
    today = _today(config)
    return commit_answering(
        fn, status, answer, lambda conn, sid: store.get(conn, config, sid, today)
    )


@routes.get("/subscriptions", query=m.SubscriptionQuery, response=m.SubscriptionPage)
def list_subscriptions(query: m.SubscriptionQuery) -> dict[str, Any]:
    """List subscriptions, oldest first, with their next billing date

    Filters: `customer_id`, `status`. `next_billing` is the first period
    without an invoice (in the past while a billing run is outstanding).
    """
    box = current_box()
    customer = query_id(query.customer_id, "query.customer_id", "not a customer id")
    after = query_id(query.cursor, "query.cursor", "not a cursor")
    return store.list_subscriptions(
        box.db.reader(), box.config, _today(box.config), customer_id=customer,
        status=query.status, limit=query.limit, after=after,
    )  # fmt: skip


@routes.post(
    "/subscriptions/billing-run", scope="manager", body=m.BillingRunIn, response=m.BillingRun,
    errors=("validation_error",),
)  # fmt: skip
def run_billing(body: m.BillingRunIn) -> Response:
    """Bill every due period that has no invoice yet, each exactly once

    Each period is one transaction: its invoice (numbered, e-invoice
    validated) and its period row. Catches up every missed period with its
    own dates; a concurrent run (the timer, the CLI) bills nothing twice.
    `until` defaults to today and may not be later; `dry_run` only lists.
    Refused periods (a blocked customer) are in `failed` and retried later.
    """
    again = replayed()
    if again is not None:
        return again
    box = current_box()
    actor = Actor(current_actor(), now_iso())
    result = bill(box.db, box.config, actor, body.until, dry_run=body.dry_run)
    return commit(lambda conn: (result, 200))


@routes.get("/subscriptions/<subscription_id>", response=m.Subscription, errors=("not_found",))
def get_subscription(subscription_id: str) -> dict[str, Any]:
    """One subscription with its next billing date and periods billed

    `cancel_at` is the last day a cancelled subscription is billed for
    (the end of the period it was cancelled in).
    """
    box = current_box()
    return store.get(box.db.reader(), box.config, _id(subscription_id), _today(box.config))


@routes.post(
    "/subscriptions", scope="manager", body=m.SubscriptionIn, response=m.Subscription,
    status=201, errors=WRITE_ERRORS,
)  # fmt: skip
def create_subscription(body: m.SubscriptionIn) -> Response:
    """Start a subscription: an amount per monthly, quarterly or annual period

    Period n starts at `start_date` + n intervals, the day clamped to the
    month's length (31 Jan → 28/29 Feb, 31 Mar, 30 Apr). Each period is
    invoiced once, on its first day, by the billing run.
    """
    cid = parse_id(body.customer_id)
    fields = body.model_dump(exclude={"customer_id"})
    return _write(lambda conn, actor: store.create(conn, actor, customer_id=cid, **fields), 201)


@routes.patch(
    "/subscriptions/<subscription_id>", scope="manager", body=m.SubscriptionPatch,
    response=m.Subscription, errors=WRITE_ERRORS,
)  # fmt: skip
def update_subscription(subscription_id: str, body: m.SubscriptionPatch) -> Response:
    """Change description, amount, end date, SEPA flag or net mode

    Applies to periods billed from now on; issued invoices keep what they
    say. A cancelled subscription is `conflict`.
    """
    sid = _id(subscription_id)
    changes = {k: getattr(body, k) for k in body.model_fields_set}
    return _write(lambda conn, actor: store.update(conn, actor, sid, changes), 200, sid)


def _status_route(verb: str, summary: str, description: str) -> None:
    change = getattr(store, verb)

    def view(subscription_id: str) -> Response:
        sid = _id(subscription_id)
        config = current_box().config
        return _write(lambda conn, actor: change(conn, config, actor, sid), 200, sid)

    view.__name__ = view.__qualname__ = f"{verb}_subscription"
    routes.post(
        f"/subscriptions/<subscription_id>/{verb}", scope="manager", response=m.Subscription,
        errors=("not_found", "conflict"), summary=summary, description=description,
    )(view)  # fmt: skip


_status_route(
    "pause",
    "Pause a subscription",
    "From today on, periods that start are skipped: not billed now, nor after"
    " the resume. Only an `active` subscription (else `conflict`).",
)
_status_route(
    "resume",
    "Resume a paused subscription",
    "Periods starting from today are billed again; those that started during"
    " the pause stay unbilled. Only a `paused` subscription (else `conflict`).",
)
_status_route(
    "cancel",
    "Cancel a subscription at the end of the current period",
    "`cancel_at` becomes the last day of the period today falls in (before the"
    " start: nothing is billed); no later period is billed. Twice is `conflict`.",
)
