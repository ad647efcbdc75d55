"""What the invoice pages read: filtered lists with open totals and each
invoice's SEPA state and customer, the customer a search names, and an
invoice's history from the customer's change log. Reads only."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for

from edge.api.context import current_box
from edge.errors import DomainError
from edge.invoices import views
from edge.invoices.payments import owed_parts
from edge.platform.bounds import parse_row_id
from web import queries
from web.i18n import t
from web.panel import money
from web.problems import text as problem_text

STATES = ("draft", "open", "partly_paid", "paid", "cancelled")
OVERDUE = ("yes", "no")
PAGE = 100


def filters(args: Any) -> dict[str, Any]:
    state = args.get("state", "")
    overdue = args.get("overdue", "")
    customer = args.get("customer", "")
    return {
        "state": state if state in STATES else "",
        "overdue": overdue if overdue in OVERDUE else "",
        "q": args.get("q", "").strip()[:100],
        "customer": customer if parse_row_id(customer) is not None else "",
        "cursor": args.get("cursor", "") if parse_row_id(args.get("cursor", "")) else "",
    }


@dataclass
class Found:
    """The customer a list is narrowed to, or the candidates a search matched."""

    customer_id: int | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    searched: bool = False

    @property
    def ambiguous(self) -> bool:
        return self.customer_id is None and self.searched


def find_customer(conn: sqlite3.Connection, q: str, customer: str) -> Found:
    """``customer`` (an id from a link), else the one customer ``q`` names by
    number or by a search with exactly one match."""
    if customer:
        return Found(int(customer))
    if not q:
        return Found()
    by_number = queries.id_by_number(conn, q)
    if by_number is not None:
        return Found(by_number)
    try:
        items = queries.search_page(
            conn, q, status=None, type_=None, group_id=None,
            region=current_box().config.box.country, cursor=None, limit=10,
        )["items"]  # fmt: skip
    except DomainError:
        items = []
    if len(items) == 1:
        return Found(int(items[0]["id"]))
    return Found(candidates=items, searched=True)


def listing(conn: sqlite3.Connection, f: dict[str, Any], customer_id: int | None) -> dict[str, Any]:
    """One page of invoices (newest first) with the totals of all that match."""
    page = views.list_invoices(
        conn,
        current_box().config,
        state=f["state"] or None,
        overdue=None if not f["overdue"] else f["overdue"] == "yes",
        customer_id=customer_id,
        limit=PAGE,
        after=int(f["cursor"]) if f["cursor"] else None,
    )
    items = page["items"]
    if items:
        ids = [int(x["id"]) for x in items]
        marks = ",".join("?" * len(ids))
        extra = {
            str(r["id"]): r
            for r in conn.execute(
                "SELECT i.id, i.sepa_state, c.display_name, c.customer_number FROM invoices i"
                f" JOIN customers c ON c.id = i.customer_id WHERE i.id IN ({marks})",
                ids,
            )
        }
        for x in items:
            r = extra[x["id"]]
            x.update(sepa_state=r["sepa_state"], customer_name=r["display_name"])
            x["customer_number"] = r["customer_number"]
    if page["next"]:  # the same page and filters, one page on
        args = {**request.args.to_dict(), "cursor": page["next"]}
        page["next_url"] = url_for(str(request.endpoint), **(request.view_args or {}), **args)
    page["customer"] = None if customer_id is None else customer_of(conn, customer_id)
    return page


def customer_of(conn: sqlite3.Connection, customer_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT id, customer_number, display_name, credit_limit FROM customers WHERE id = ?",
        [customer_id],
    ).fetchone()
    return None if row is None else dict(row)


def history_of(conn: sqlite3.Connection, customer_id: int, invoice_id: int) -> list[dict[str, Any]]:
    """The invoice's events (draft, issued, payment, reminder, waived,
    cancelled) from the customer's history, oldest first."""
    rows = conn.execute(
        "SELECT at, actor, new FROM customer_history WHERE customer_id = ? AND field = 'invoice'"
        " ORDER BY id",
        [customer_id],
    ).fetchall()
    out = []
    for r in rows:
        event = json.loads(r["new"]) if r["new"] else {}
        if event.get("invoice_id") == str(invoice_id):
            out.append({"at": r["at"], "actor": r["actor"], **event})
    return out


def event_text(e: dict[str, Any]) -> str:
    """One history event in words (the amounts in the box's currency)."""
    kind = str(e.get("event", ""))
    if kind == "payment":
        method = "pay_" + str(e.get("method"))  # listed in web/msgids.py
        return t("inv_ev_payment", amount=money(e.get("amount")), method=t(method))
    if kind == "reminder":
        return t("inv_ev_reminder", level=e.get("level"), fee=money(e.get("fee")))
    if kind == "waived":
        fees, interest = money(e.get("fees")), money(e.get("interest"))
        return t("inv_ev_waived", fees=fees, interest=interest, reason=e.get("reason", ""))
    if kind == "cancelled":
        return t("inv_ev_cancelled", number=e.get("credit_note", ""), reason=e.get("reason", ""))
    if kind == "issued":
        return t("inv_ev_issued", number=e.get("number", ""))
    key = "inv_ev_" + kind  # draft, draft_changed: listed in web/msgids.py
    return t(key) if kind in ("draft", "draft_changed") else kind


def waiver_errors(refusal: DomainError, row: sqlite3.Row) -> dict[str, str]:
    """A refused waiver next to its fields: at most what is open of each, or
    that there is nothing to waive."""
    open_fees, open_interest, _ = owed_parts(row)
    most = {"fees": open_fees, "interest": open_interest}
    named = {
        x["field"]: (
            t("inv_err_at_most", amount=money(most[x["field"]]))
            if str(x.get("message", "")).startswith("at most")
            else t("inv_err_waive_nothing")
        )
        for x in refusal.errors
        if x.get("field") in most
    }
    return named or {"fees": problem_text(refusal)}
