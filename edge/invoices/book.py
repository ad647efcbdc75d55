"""The invoice book (BACKOFFICE §8): drafts, issuing, credit notes, reading.

``draft`` (editable, no number) → ``open`` (issued: number, dates, a frozen
document; immutable from now on) → ``partly_paid`` → ``paid``; or
``cancelled``, which only a credit note does. Write functions take the
writer's connection inside its transaction and never commit, so a checkout
issues its invoice in its own one transaction. Every change is logged in the
customer's change history (field ``invoice``). Imports ``edge.ledger``,
``edge.customers``, ``edge.platform`` and the invoices package.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from edge import ledger
from edge.customers.history import log_change
from edge.customers.lookup import customer_row
from edge.customers.money_view import MoneyCustomer, load_for_money
from edge.errors import Conflict, FieldErrors, NotFound
from edge.invoices import figures as fig
from edge.invoices import mailing
from edge.invoices.document import (
    DocumentLine,
    InvoiceDocument,
    Party,
    PostalAddress,
    SepaNotice,
    VatBreakdown,
)
from edge.invoices.numbering import take_number
from edge.invoices.parties import buyer, seller
from edge.invoices.render import issue_xml
from edge.money.basket import priced_line
from edge.platform.actor import Actor
from edge.platform.config import Config

OWING = ("open", "partly_paid")


def box_date(config: Config, at: str) -> date:
    """The calendar day of the RFC 3339 UTC moment ``at`` in the box's time zone."""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(UTC)
    return moment.astimezone(ZoneInfo(config.box.timezone)).date()


def invoice_row(conn: sqlite3.Connection, invoice_id: int) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM invoices WHERE id = ?", [invoice_id]).fetchone()
    if row is None:
        raise NotFound(f"no invoice {invoice_id}")
    return row  # type: ignore[no-any-return]


def log_invoice(
    conn: sqlite3.Connection, actor: Actor, customer_id: int, event: str, **what: Any
) -> None:
    log_change(conn, customer_id, actor.name, actor.at, "invoice", None, {"event": event, **what})


# ------------------------------------------------------------------ lines --


def price_lines(
    conn: sqlite3.Connection, config: Config, customer_id: int, lines: Sequence[Any]
) -> tuple[MoneyCustomer, list[dict[str, Any]]]:
    """Lines as in a checkout (``LineIn``), priced for the customer: their
    discount, net mode when reverse charge applies (SPEC §4)."""
    payer = load_for_money(conn, customer_id, config)
    payer.require_transactable()
    basket = ledger.price_basket(
        [
            {
                "unit_price": ln.unit_price,
                "quantity": ln.quantity,
                "vat_rate_bp": ln.vat_rate_bp,
                "discountable": ln.discountable,
            }
            for ln in lines
        ],
        payer.effective_discount_percent,
        net_mode=payer.reverse_charge,
    )
    priced = [
        {**priced_line(ln, p), "quantity": str(ln.quantity)}
        for ln, p in zip(lines, basket.lines, strict=True)
    ]
    return payer, priced


def _store_lines(conn: sqlite3.Connection, invoice_id: int, lines: list[dict[str, Any]]) -> None:
    conn.execute("DELETE FROM invoice_lines WHERE invoice_id = ?", [invoice_id])
    conn.executemany(
        "INSERT INTO invoice_lines (invoice_id, position, sku, name, quantity, unit_price,"
        " vat_rate_bp, discountable, gross, discount_percent, discount, total)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                invoice_id,
                i + 1,
                ln["sku"],
                ln["name"],
                ln["quantity"],
                ln["unit_price"],
                ln["vat_rate_bp"],
                int(ln["discountable"]),
                ln["gross"],
                ln["discount_percent"],
                ln["discount"],
                ln["total"],
            ]
            for i, ln in enumerate(lines)
        ],
    )


def line_rows(conn: sqlite3.Connection, invoice_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM invoice_lines WHERE invoice_id = ? ORDER BY position", [invoice_id]
    ).fetchall()


def _priced(rows: Sequence[sqlite3.Row | dict[str, Any]]) -> list[fig.PricedLine]:
    return [
        fig.PricedLine(
            description=r["name"] or r["sku"] or f"Position {i + 1}",
            quantity_milli=ledger.parse_quantity(r["quantity"]),
            vat_rate_bp=r["vat_rate_bp"],
            total=r["total"],
            sku=r["sku"] or "",
        )
        for i, r in enumerate(rows)
    ]


def _set_amounts(conn: sqlite3.Connection, invoice_id: int, net_mode: bool) -> fig.Figures:
    f = fig.figures(_priced(line_rows(conn, invoice_id)), net_mode=net_mode)
    conn.execute(
        "UPDATE invoices SET net = ?, vat = ?, gross = ?, principal = ? - prepaid,"
        " net_mode = ? WHERE id = ?",
        [f.net, f.vat_total, f.gross, f.gross, int(net_mode), invoice_id],
    )
    return f


# ----------------------------------------------------------------- drafts --


def create_draft(
    conn: sqlite3.Connection,
    config: Config,
    actor: Actor,
    customer_id: int,
    lines: Sequence[Any],
    notes: str | None = None,
    *,
    prepaid: int = 0,
    operation_id: int | None = None,
    priced: list[dict[str, Any]] | None = None,
    net_mode: bool | None = None,
) -> int:
    """A draft for the customer; ``priced`` lines (a checkout's) are taken as they are.
    ``net_mode`` overrides the customer's (a subscription states its own)."""
    payer, priced_lines = (
        price_lines(conn, config, customer_id, lines)
        if priced is None
        else (load_for_money(conn, customer_id, config), priced)
    )
    cur = conn.execute(
        "INSERT INTO invoices (customer_id, notes, prepaid, operation_id, created_at, created_by,"
        " updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [customer_id, notes, prepaid, operation_id, actor.at, actor.name, actor.at, actor.name],
    )
    invoice_id = int(cur.lastrowid or 0)
    _store_lines(conn, invoice_id, priced_lines)
    _set_amounts(conn, invoice_id, payer.reverse_charge if net_mode is None else net_mode)
    log_invoice(conn, actor, customer_id, "draft", invoice_id=str(invoice_id))
    return invoice_id


def _draft(conn: sqlite3.Connection, invoice_id: int) -> sqlite3.Row:
    row = invoice_row(conn, invoice_id)
    if row["state"] != "draft":
        raise Conflict(
            f"invoice {row['number']} is issued: correct it with a credit note",
            state=row["state"],
        )
    return row


KEEP: Any = object()  # update_draft: leave the notes as they are


def update_draft(
    conn: sqlite3.Connection,
    config: Config,
    actor: Actor,
    invoice_id: int,
    *,
    customer_id: int | None = None,
    lines: Sequence[Any] | None = None,
    notes: str | None = KEEP,
) -> None:
    """Change a draft's customer, lines or notes; an issued invoice is a 409."""
    row = _draft(conn, invoice_id)
    cid = customer_id if customer_id is not None else row["customer_id"]
    if notes is not KEEP:
        conn.execute("UPDATE invoices SET notes = ? WHERE id = ?", [notes, invoice_id])
    if lines is None and customer_id is not None:
        lines = _lines_in(line_rows(conn, invoice_id))
    if lines is not None:
        payer, priced = price_lines(conn, config, cid, lines)
        _store_lines(conn, invoice_id, priced)
        _set_amounts(conn, invoice_id, payer.reverse_charge)
    conn.execute(
        "UPDATE invoices SET customer_id = ?, updated_at = ?, updated_by = ? WHERE id = ?",
        [cid, actor.at, actor.name, invoice_id],
    )
    log_invoice(conn, actor, cid, "draft_changed", invoice_id=str(invoice_id))


@dataclasses.dataclass(frozen=True)
class _LineAgain:
    """A stored line as the pricing reads it, to price it for another customer."""

    sku: str | None
    name: str | None
    quantity: str
    unit_price: int
    vat_rate_bp: int
    discountable: bool


def _lines_in(rows: Sequence[sqlite3.Row]) -> list[_LineAgain]:
    return [
        _LineAgain(
            r["sku"],
            r["name"],
            r["quantity"],
            r["unit_price"],
            r["vat_rate_bp"],
            bool(r["discountable"]),
        )
        for r in rows
    ]


def invoice_for_checkout(
    conn: sqlite3.Connection,
    config: Config,
    actor: Actor,
    customer_id: int,
    sale: dict[str, Any],
    operation_id: int,
    *,
    prepaid: int,
) -> tuple[str, str]:
    """The invoice of a checkout's ``invoice`` tender, issued at once: the
    whole sale, with what the other tenders paid as ``prepaid``. A points
    redemption is a price reduction, so each rate's share of it comes off that
    rate's lines (largest remainder), which keeps the rates' gross as paid."""
    lines = [dict(x) for x in sale["lines"]]
    for row in sale["vat"]:
        idx = [i for i, x in enumerate(lines) if x["vat_rate_bp"] == row["rate_bp"]]
        weights = [lines[i]["total"] for i in idx]
        for i, share in zip(idx, fig.distribute(row["points_share"], weights), strict=True):
            lines[i]["total"] -= share
            lines[i]["discount"] += share
    invoice_id = create_draft(
        conn,
        config,
        actor,
        customer_id,
        (),
        None,
        prepaid=prepaid,
        operation_id=operation_id,
        priced=[{**x, "quantity": str(x["quantity"])} for x in lines],
    )
    return str(invoice_id), issue(conn, config, actor, invoice_id)


# ---------------------------------------------------------------- issuing --


def _terms(language: str, due: date) -> str:
    if language == "en":
        return f"Payable by {due.isoformat()} without deduction"
    return f"Zahlbar bis {due:%d.%m.%Y} ohne Abzug"


def build_document(
    config: Config,
    row: sqlite3.Row | dict[str, Any],
    lines: Sequence[sqlite3.Row | dict[str, Any]],
    customer: sqlite3.Row,
    *,
    number: str,
    issue_date: date,
    due_date: date,
    preceding_number: str = "",
    sepa: SepaNotice | None = None,
) -> InvoiceDocument:
    """The document an invoice says, frozen when it is issued."""
    net_mode = bool(row["net_mode"])
    f = fig.figures(_priced(lines), net_mode=net_mode)
    language = customer["preferred_language"]
    language = language if language in ("de", "en") else config.devices.language
    notes = [n for n in (row["notes"] or "").split("\n") if n.strip()]
    if net_mode:
        notes.append(fig.REVERSE_CHARGE_NOTE)
    delivery = date.fromisoformat(row["delivery_date"]) if row["delivery_date"] else issue_date
    return InvoiceDocument(
        kind=row["kind"],
        number=number,
        issue_date=issue_date,
        delivery_date=delivery,
        due_date=due_date,
        currency=config.box.currency,
        seller=seller(config),
        buyer=buyer(customer, config),
        lines=f.lines,
        vat=f.vat,
        net=f.net,
        vat_total=f.vat_total,
        gross=f.gross,
        prepaid=row["prepaid"],
        due=f.gross - row["prepaid"],
        payment_terms=_terms(language, due_date),
        notes=tuple(notes),
        reverse_charge=net_mode,
        preceding_number=preceding_number,
        sepa=sepa,
        language=language,
    )


def document_json(doc: InvoiceDocument) -> str:
    return json.dumps(dataclasses.asdict(doc), default=str, ensure_ascii=False)


def issue(
    conn: sqlite3.Connection,
    config: Config,
    actor: Actor,
    invoice_id: int,
    *,
    sepa: SepaNotice | None = None,
) -> str:
    """Give the draft its number, dates and frozen document, rendered and
    validated; a refused e-invoice raises and the caller's rollback takes
    the number back with everything else. ``sepa``: the direct debit's
    pre-notification the document states (edge/sepa/notice.py)."""
    row = _draft(conn, invoice_id)
    customer = customer_row(conn, row["customer_id"])
    load_for_money(conn, row["customer_id"], config).require_transactable()
    lines = line_rows(conn, invoice_id)
    if not lines:
        raise FieldErrors.one("lines", "an invoice needs at least one line")
    today = box_date(config, actor.at)
    terms = customer["payment_terms_days"]
    days = config.invoices.payment_terms_days if terms is None else terms
    due = today + timedelta(days=days)
    number = take_number(conn, config.invoices.number_format, today)
    doc = build_document(
        config, row, lines, customer, number=number, issue_date=today, due_date=due, sepa=sepa
    )
    xml = issue_xml(einvoice_view(doc))
    pdf = (
        mailing.queue_invoice(conn, config, invoice_id, doc, einvoice_view(doc), xml)
        if (mailing.wants_mail(config, customer, doc))
        else None
    )
    _freeze(conn, actor, invoice_id, doc, pdf, xml)
    log_invoice(
        conn, actor, row["customer_id"], "issued", invoice_id=str(invoice_id), number=number
    )
    return number


def _documents(
    conn: sqlite3.Connection,
    config: Config,
    invoice_id: int,
    doc: InvoiceDocument,
    customer: sqlite3.Row,
) -> tuple[bytes | None, bytes | None]:
    """The validated XML (the issue fails without it) and, for an invoice
    that is mailed, the PDF its queued mail carries."""
    stated = einvoice_view(doc)
    xml = issue_xml(stated)
    pdf = None
    if mailing.wants_mail(config, customer, doc):
        pdf = mailing.queue_invoice(conn, config, invoice_id, doc, stated, xml)
    return pdf, xml


def _freeze(
    conn: sqlite3.Connection,
    actor: Actor,
    invoice_id: int,
    doc: InvoiceDocument,
    pdf: bytes | None,
    xml: bytes | None,
) -> None:
    conn.execute(
        "UPDATE invoices SET number = ?, state = ?, issue_date = ?,"
        " delivery_date = ?, due_date = ?, net = ?, vat = ?, gross = ?, principal = ?,"
        " document_json = ?, pdf = ?, xml = ?, updated_at = ?, updated_by = ? WHERE id = ?",
        [
            doc.number,
            "open" if doc.kind == "invoice" else "paid",
            doc.issue_date.isoformat(),
            doc.delivery_date.isoformat(),
            doc.due_date.isoformat(),
            doc.net,
            doc.vat_total,
            doc.gross,
            doc.due if doc.kind == "invoice" else 0,
            document_json(doc),
            pdf,
            xml,
            actor.at,
            actor.name,
            invoice_id,
        ],
    )
    if doc.kind == "invoice" and doc.due == 0:
        conn.execute("UPDATE invoices SET state = 'paid' WHERE id = ?", [invoice_id])


def einvoice_view(doc: InvoiceDocument) -> InvoiceDocument:
    """The document as the e-invoice states it: EN 16931 writes a credit note
    (type 381) in positive amounts, where the book keeps them negative."""
    return _negated(doc) if doc.kind == "credit_note" else doc


def _negated(doc: InvoiceDocument, **changes: Any) -> InvoiceDocument:
    """The credit note of ``doc``: every amount negated, so its consistency holds."""
    lines = tuple(dataclasses.replace(x, net=-x.net, unit_net=-x.unit_net) for x in doc.lines)
    vat = tuple(dataclasses.replace(b, net=-b.net, vat=-b.vat) for b in doc.vat)
    return dataclasses.replace(
        doc,
        lines=lines,
        vat=vat,
        net=-doc.net,
        vat_total=-doc.vat_total,
        gross=-doc.gross,
        prepaid=-doc.prepaid,
        due=-doc.due,
        **changes,
    )


def cancel(
    conn: sqlite3.Connection, config: Config, actor: Actor, invoice_id: int, reason: str
) -> int:
    """Cancel an issued invoice by a credit note: its own number from the same
    sequence, the negated amounts, pointing at the invoice. An invoice that
    has been paid in part is refused (its payments would be lost)."""
    row = invoice_row(conn, invoice_id)
    if row["kind"] != "invoice" or row["state"] not in OWING:
        raise Conflict(
            f"only an open invoice can be cancelled; this one is {row['state']}",
            state=row["state"],
        )
    paid = row["principal_paid"] + row["fees_paid"] + row["interest_paid"]
    if paid:
        raise Conflict(
            f"invoice {row['number']} has payments of {paid}: settle them before a credit note",
            paid=paid,
        )
    today = box_date(config, actor.at)
    number = take_number(conn, config.invoices.number_format, today)
    original = document_of(row)
    doc = _negated(
        original,
        kind="credit_note",
        number=number,
        issue_date=today,
        due_date=today,
        payment_terms="",
        preceding_number=row["number"],
        notes=(*original.notes, reason),
        sepa=None,
    )
    cur = conn.execute(
        "INSERT INTO invoices (kind, customer_id, state, net_mode, prepaid, preceding_invoice_id,"
        " notes, created_at, created_by, updated_at, updated_by)"
        " VALUES ('credit_note', ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            row["customer_id"],
            row["net_mode"],
            -row["prepaid"],
            invoice_id,
            reason,
            actor.at,
            actor.name,
            actor.at,
            actor.name,
        ],
    )
    note_id = int(cur.lastrowid or 0)
    conn.execute(
        "INSERT INTO invoice_lines (invoice_id, position, sku, name, quantity, unit_price,"
        " vat_rate_bp, discountable, gross, discount_percent, discount, total)"
        " SELECT ?, position, sku, name, quantity, -unit_price, vat_rate_bp, discountable,"
        " -gross, discount_percent, -discount, -total FROM invoice_lines WHERE invoice_id = ?",
        [note_id, invoice_id],
    )
    customer = customer_row(conn, row["customer_id"])
    _freeze(conn, actor, note_id, doc, *_documents(conn, config, note_id, doc, customer))
    conn.execute(
        "UPDATE invoices SET state = 'cancelled', updated_at = ?, updated_by = ? WHERE id = ?",
        [actor.at, actor.name, invoice_id],
    )
    log_invoice(
        conn,
        actor,
        row["customer_id"],
        "cancelled",
        invoice_id=str(invoice_id),
        number=row["number"],
        credit_note=number,
        reason=reason,
    )
    return note_id


def _notice(d: dict[str, Any] | None) -> SepaNotice | None:
    if d is None:
        return None
    return SepaNotice(**{**d, "collection_date": date.fromisoformat(d["collection_date"])})


def document_of(row: sqlite3.Row) -> InvoiceDocument:
    """The frozen document back from its JSON."""
    d = json.loads(row["document_json"])

    def party(p: dict[str, Any]) -> Party:
        return Party(**{**p, "address": PostalAddress(**p["address"])})

    return InvoiceDocument(
        **{
            **d,
            "issue_date": date.fromisoformat(d["issue_date"]),
            "delivery_date": date.fromisoformat(d["delivery_date"]),
            "due_date": date.fromisoformat(d["due_date"]),
            "seller": party(d["seller"]),
            "buyer": party(d["buyer"]),
            "lines": tuple(DocumentLine(**x) for x in d["lines"]),
            "vat": tuple(VatBreakdown(**x) for x in d["vat"]),
            "notes": tuple(d["notes"]),
            "sepa": _notice(d.get("sepa")),
        }
    )
