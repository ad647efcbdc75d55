"""The data areas of one customer, each a small :class:`Section`: which rows
it exports (``collect``, streamed from a cursor), which blobs go into the ZIP
as files (``files``), why it would refuse an erasure (``refusals``) and what
the erasure does to it (``erase``). A section whose table this database does
not have (a feature from another release) is skipped, so documents and
delivery addresses are entries of their own (later_sections, joined in areas).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from edge.customers import records as r
from edge.customers.history import log_change

Rows = Iterator[dict[str, Any]]
Reason = dict[str, Any]  # {"code": …, "detail": …, numbers …}
#: Every ``code`` a refusal reason of the sections below may have.
REASON_CODES = ("credit", "points", "open_invoices", "active_subscriptions", "active_mandate")


@dataclass(frozen=True)
class Erasing:
    """What an erasure's section hooks get besides the connection."""

    customer_id: int
    actor: str
    now: str
    pseudonym: str
    old_values: dict[str, Any]  # the personal values being erased (never stored)


@dataclass(frozen=True)
class Section:
    """One data area. ``collect`` yields plain rows (JSON-able after
    :func:`plain`); ``tabular`` sections get a CSV next to their JSON."""

    name: str
    table: str  # the section is skipped when this table does not exist
    collect: Callable[[sqlite3.Connection, int], Rows]
    tabular: bool = True
    files: Callable[[sqlite3.Connection, int], Iterator[tuple[str, bytes]]] | None = None
    refusals: Callable[[sqlite3.Connection, int], list[Reason]] | None = None
    erase: Callable[[sqlite3.Connection, Erasing], int] | None = None
    about: dict[str, str] = field(default_factory=dict)  # README line per language


def plain(value: Any) -> Any:
    """A stored value as JSON/CSV can hold it (hashes and blobs as hex)."""
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def rows(conn: sqlite3.Connection, sql: str, args: list[Any]) -> Rows:
    """Stream a query's rows as dicts: one row in memory at a time."""
    for row in conn.execute(sql, args):
        yield {k: plain(row[k]) for k in row.keys()}  # noqa: SIM118 (sqlite3.Row)


def has_table(conn: sqlite3.Connection, table: str) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    return found is not None


# -- master data ---------------------------------------------------------------------


def _master(conn: sqlite3.Connection, cid: int) -> Rows:
    row = conn.execute("SELECT * FROM customers WHERE id = ?", [cid]).fetchone()
    memo = conn.execute(
        "SELECT text FROM customer_third_party_memos WHERE customer_id = ?", [cid]
    ).fetchone()
    out = {"id": str(cid)}
    out.update({f: r.from_db(f, row[f]) for f in r.ROW_FIELDS})
    out["third_party_memo"] = memo["text"] if memo else None
    for k in (
        "display_name",
        "status",
        "merged_into",
        "last_visit",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ):
        out[k] = row[k]
    yield out


def _history(conn: sqlite3.Connection, cid: int) -> Rows:
    for row in rows(
        conn,
        "SELECT id, at, actor, field, old, new FROM customer_history"
        " WHERE customer_id = ? ORDER BY id",
        [cid],
    ):
        for k in ("old", "new"):
            row[k] = None if row[k] is None else json.loads(row[k])
        yield row


def _scrub_history(conn: sqlite3.Connection, e: Erasing) -> int:
    # Keep that a personal field changed (who, when, which), not the values.
    fields = sorted(personal_fields())
    marks = ",".join("?" for _ in fields)
    erased = json.dumps({"erased": True})
    return conn.execute(
        f"UPDATE customer_history SET old = CASE WHEN old IS NULL THEN NULL ELSE ? END,"
        f" new = CASE WHEN new IS NULL THEN NULL ELSE ? END"
        f" WHERE customer_id = ? AND field IN ({marks})",
        [erased, erased, e.customer_id, *fields],
    ).rowcount


# -- cards, balances, journal, purchases ---------------------------------------------


def _cards(conn: sqlite3.Connection, cid: int) -> Rows:
    return rows(conn, "SELECT * FROM cards WHERE customer_id = ? ORDER BY id", [cid])


def _release_cards(conn: sqlite3.Connection, e: Erasing) -> int:
    # Released: the row goes, the UID no longer resolves and may be handed to
    # someone else. The history keeps that the card was released.
    uids = [
        x[0] for x in conn.execute("SELECT uid FROM cards WHERE customer_id = ?", [e.customer_id])
    ]
    for uid in uids:
        log_change(
            conn, e.customer_id, e.actor, e.now, "cards", None, {"uid": uid, "status": "released"}
        )
    conn.execute("DELETE FROM cards WHERE customer_id = ?", [e.customer_id])
    return len(uids)


def _balances(conn: sqlite3.Connection, cid: int) -> Rows:
    row = conn.execute(
        "SELECT cash, bonus, points FROM balances WHERE customer_id = ?", [cid]
    ).fetchone()
    yield dict(row) if row else {"cash": 0, "bonus": 0, "points": 0}


def _credit_refusal(conn: sqlite3.Connection, cid: int) -> list[Reason]:
    cash, bonus, points = next(_balances(conn, cid)).values()
    out: list[Reason] = []
    if cash or bonus:
        out.append(
            {
                "code": "credit",
                "detail": "the customer has credit; pay it out first",
                "cash": cash,
                "bonus": bonus,
            }
        )
    if points:
        out.append(
            {
                "code": "points",
                "detail": "the customer has points; redeem or correct them",
                "points": points,
            }
        )
    return out


def _journal(account_sql: str) -> Callable[[sqlite3.Connection, int], Rows]:
    def collect(conn: sqlite3.Connection, cid: int) -> Rows:
        return rows(
            conn,
            f"SELECT * FROM journal WHERE customer_id = ? AND {account_sql} ORDER BY seq",
            [cid],
        )

    return collect


def _operations(conn: sqlite3.Connection, cid: int) -> Rows:
    return rows(conn, "SELECT * FROM operations WHERE customer_id = ? ORDER BY id", [cid])


def _purchases(conn: sqlite3.Connection, cid: int) -> Rows:
    return rows(conn, "SELECT * FROM purchases WHERE customer_id = ? ORDER BY id", [cid])


# -- invoices ------------------------------------------------------------------------

_INVOICE_COLUMNS = (
    "id, number, kind, customer_id, state, issue_date, delivery_date, due_date, net_mode, net,"
    " vat, gross, prepaid, principal, principal_paid, fees, fees_paid, interest, interest_paid,"
    " dunning_level, dunned_on, sepa_state, preceding_invoice_id, operation_id, notes,"
    " created_at, created_by, updated_at, updated_by"
)
_OF_CUSTOMER = "invoice_id IN (SELECT id FROM invoices WHERE customer_id = ?)"


def _invoices(conn: sqlite3.Connection, cid: int) -> Rows:
    return rows(
        conn, f"SELECT {_INVOICE_COLUMNS} FROM invoices WHERE customer_id = ? ORDER BY id", [cid]
    )


def _child(table: str) -> Callable[[sqlite3.Connection, int], Rows]:
    def collect(conn: sqlite3.Connection, cid: int) -> Rows:
        return rows(conn, f"SELECT * FROM {table} WHERE {_OF_CUSTOMER} ORDER BY id", [cid])

    return collect


def _dunning(conn: sqlite3.Connection, cid: int) -> Rows:
    cols = (
        "id, invoice_id, level, run_date, principal, fees, interest, fee_charged,"
        " interest_charged, deadline, created_at, created_by"
    )
    return rows(conn, f"SELECT {cols} FROM dunning_notices WHERE {_OF_CUSTOMER} ORDER BY id", [cid])


def _invoice_files(conn: sqlite3.Connection, cid: int) -> Iterator[tuple[str, bytes]]:
    # One invoice's blobs at a time: never all PDFs in memory.
    ids = [x[0] for x in conn.execute("SELECT id FROM invoices WHERE customer_id = ?", [cid])]
    for iid in ids:
        inv = conn.execute("SELECT number, pdf, xml FROM invoices WHERE id = ?", [iid]).fetchone()
        stem = f"invoices/{inv['number'] or f'draft-{iid}'}"
        if inv["pdf"] is not None:
            yield f"{stem}.pdf", bytes(inv["pdf"])
        if inv["xml"] is not None:
            yield f"{stem}.xml", bytes(inv["xml"])
    for nid, number, level in conn.execute(
        "SELECT n.id, i.number, n.level FROM dunning_notices n JOIN invoices i"
        " ON i.id = n.invoice_id WHERE i.customer_id = ? AND n.pdf IS NOT NULL",
        [cid],
    ).fetchall():
        pdf = conn.execute("SELECT pdf FROM dunning_notices WHERE id = ?", [nid]).fetchone()[0]
        yield f"invoices/{number}-reminder-{level}.pdf", bytes(pdf)


def _open_invoices(conn: sqlite3.Connection, cid: int) -> list[Reason]:
    n, owed = conn.execute(
        "SELECT count(*), coalesce(sum(principal - principal_paid + fees - fees_paid"
        " + interest - interest_paid), 0) FROM invoices"
        " WHERE customer_id = ? AND state IN ('open','partly_paid')",
        [cid],
    ).fetchone()
    if not n:
        return []
    return [
        {
            "code": "open_invoices",
            "detail": f"{n} invoice(s) are not settled",
            "count": n,
            "owed": owed,
        }
    ]


def _drop_drafts(conn: sqlite3.Connection, e: Erasing) -> int:
    # A draft has no number and no legal weight; issued invoices stay (GoBD)
    # with the buyer as it was on them: their frozen document is the record.
    return conn.execute(
        "DELETE FROM invoices WHERE customer_id = ? AND number IS NULL", [e.customer_id]
    ).rowcount


# -- subscriptions and mandates ------------------------------------------------------


def _subscriptions(conn: sqlite3.Connection, cid: int) -> Rows:
    return rows(conn, "SELECT * FROM subscriptions WHERE customer_id = ? ORDER BY id", [cid])


def _sub_child(table: str) -> Callable[[sqlite3.Connection, int], Rows]:
    def collect(conn: sqlite3.Connection, cid: int) -> Rows:
        return rows(
            conn,
            f"SELECT * FROM {table} WHERE subscription_id IN"
            " (SELECT id FROM subscriptions WHERE customer_id = ?) ORDER BY id",
            [cid],
        )

    return collect


def _active_subscriptions(conn: sqlite3.Connection, cid: int) -> list[Reason]:
    n, sepa = conn.execute(
        "SELECT count(*), coalesce(sum(sepa), 0) FROM subscriptions"
        " WHERE customer_id = ? AND status IN ('active','paused')",
        [cid],
    ).fetchone()
    out: list[Reason] = []
    if n:
        detail = f"{n} subscription(s) are running; cancel them first"
        out.append({"code": "active_subscriptions", "detail": detail, "count": n})
    mandate = conn.execute(
        "SELECT sepa_mandate_reference FROM customers WHERE id = ?", [cid]
    ).fetchone()[0]
    # Where mandates are not their own records (``sepa_mandates``, see
    # later_sections): a mandate reference and a running SEPA subscription
    # mean the mandate is in use.
    if mandate and sepa and not has_table(conn, "sepa_mandates"):
        detail = "a SEPA mandate is in use by a subscription; end it first"
        out.append({"code": "active_mandate", "detail": detail})
    return out


# -- mails -----------------------------------------------------------------------------

_MAILS = (
    "FROM mail_outbox WHERE ref_kind = 'invoice' AND ref_id IN"
    " (SELECT CAST(id AS TEXT) FROM invoices WHERE customer_id = ?)"
)


def _mails(conn: sqlite3.Connection, cid: int) -> Rows:
    cols = (
        "id, message_id, recipient, subject, body, state, attempts, last_error, ref_kind,"
        " ref_id, created_at, sent_at"
    )
    return rows(conn, f"SELECT {cols} {_MAILS} ORDER BY id", [cid])


def _scrub_mails(conn: sqlite3.Connection, e: Erasing) -> int:
    # A sent mail is a copy of an invoice the shop keeps anyway: its address,
    # text and attachments go; one not yet sent is not sent any more.
    ids = [x[0] for x in conn.execute(f"SELECT id {_MAILS}", [e.customer_id])]
    for mid in ids:
        conn.execute("DELETE FROM mail_attachments WHERE mail_id = ?", [mid])
        conn.execute(
            "UPDATE mail_outbox SET recipient = '', body = '',"
            " state = CASE WHEN state = 'sent' THEN 'sent' ELSE 'failed' END,"
            " last_error = CASE WHEN state = 'sent' THEN last_error ELSE 'customer erased' END"
            " WHERE id = ?",
            [mid],
        )
    return len(ids)


def personal_fields() -> frozenset[str]:
    """Every master-data field the erasure blanks: all of them except the
    ones that tie the record to the shop's books (:data:`KEPT_FIELDS`). A new
    field is personal unless someone decides otherwise."""
    return frozenset(r.FIELDS) - KEPT_FIELDS


#: Not about the person: the number invoices and receipts name, the kind of
#: record, and that it is blocked.
KEPT_FIELDS = frozenset({"type", "customer_number", "blocked"})


def _about(de: str, en: str) -> dict[str, str]:
    return {"de": de, "en": en}


SECTIONS: list[Section] = [
    Section(
        "customer",
        "customers",
        _master,
        tabular=False,
        about=_about(
            "Stammdaten (alle Felder, auch das Memo Dritter)",
            "master data (every field, the third-party memo too)",
        ),
    ),
    Section(
        "history",
        "customer_history",
        _history,
        erase=_scrub_history,
        about=_about(
            "Änderungsprotokoll: wer wann welches Feld von was auf was geändert hat",
            "change history: who changed which field when, from what to what",
        ),
    ),
    Section(
        "cards",
        "cards",
        _cards,
        erase=_release_cards,
        about=_about("Kundenkarten", "customer cards"),
    ),
    Section(
        "balances",
        "balances",
        _balances,
        tabular=False,
        refusals=_credit_refusal,
        about=_about("Guthaben (Bar, Bonus) und Punkte", "balances (cash, bonus) and points"),
    ),
    Section(
        "journal",
        "journal",
        _journal("account IN ('cash','bonus')"),
        about=_about("Journal der Guthabenbuchungen", "journal of credit entries"),
    ),
    Section(
        "points",
        "journal",
        _journal("account = 'points'"),
        about=_about("Journal der Punktebuchungen", "journal of points entries"),
    ),
    Section(
        "operations",
        "operations",
        _operations,
        about=_about(
            "Vorgänge (Aufladung, Zahlung, Erstattung …) mit Belegnummer",
            "operations (top-up, payment, refund …) with receipt number",
        ),
    ),
    Section(
        "purchases",
        "purchases",
        _purchases,
        about=_about("Einkäufe mit Positionen", "purchases with their lines"),
    ),
    Section(
        "invoices",
        "invoices",
        _invoices,
        files=_invoice_files,
        refusals=_open_invoices,
        erase=_drop_drafts,
        about=_about(
            "Rechnungen und Gutschriften; PDF und XML im Ordner invoices/",
            "invoices and credit notes; PDF and XML in the folder invoices/",
        ),
    ),
    Section(
        "invoice_lines",
        "invoice_lines",
        _child("invoice_lines"),
        about=_about("Rechnungspositionen", "invoice lines"),
    ),
    Section(
        "invoice_payments",
        "invoice_payments",
        _child("invoice_payments"),
        about=_about("Zahlungen auf Rechnungen", "payments of invoices"),
    ),
    Section(
        "reminders", "dunning_notices", _dunning, about=_about("Mahnungen", "payment reminders")
    ),
    Section(
        "subscriptions",
        "subscriptions",
        _subscriptions,
        refusals=_active_subscriptions,
        about=_about("Abonnements", "subscriptions"),
    ),
    Section(
        "subscription_periods",
        "subscription_periods",
        _sub_child("subscription_periods"),
        about=_about("abgerechnete Abo-Zeiträume", "billed subscription periods"),
    ),
    Section(
        "subscription_pauses",
        "subscription_pauses",
        _sub_child("subscription_pauses"),
        about=_about("Abo-Pausen", "subscription pauses"),
    ),
    Section(
        "mails",
        "mail_outbox",
        _mails,
        erase=_scrub_mails,
        about=_about("versandte E-Mails", "mails sent"),
    ),
]
