"""Collection files in the database (BACKOFFICE §10, docs/sepa-collections.md).

An invoice waits for a file as ``sepa_state = 'due'`` (a SEPA subscription
invoice, or one a manager selected). :func:`make_file` collects every due
invoice of a customer with a mandate in one write transaction: the file
(built and XSD-validated by :mod:`edge.sepa.pain008`), one
``sepa_collections`` row per invoice, the invoices ``pending``, the mandates
used (``last_collected_on``, amendment cleared). A refused pre-flight stores
nothing; the partial UNIQUE index stops a second file from collecting an
invoice whatever two writers do.

After the file: :func:`confirm` (the bank collected, on or after the
collection date) books a ``sepa`` payment per invoice → ``collected``;
:func:`record_return` reopens the invoice (``sepa_state = 'returned'``, its
payment reversed if booked), charges ``sepa.return_fee`` and revokes the
mandate on MD01/MD06. A returned invoice is not collected again by itself:
a manager selects it again (:func:`select_for_debit`) or it is paid
otherwise — a debtor whose debit bounced is asked first, not debited again.
Imports ``edge.errors``, ``edge.platform``, ``edge.customers``,
``edge.invoices`` and the package.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from datetime import UTC, date, datetime, time
from typing import Any

from edge.customers.lookup import customer_row
from edge.errors import Conflict, FieldErrors, NotFound
from edge.invoices.book import OWING, box_date, invoice_row, log_invoice
from edge.invoices.parties import buyer
from edge.invoices.payments import record_payment, reverse_payment
from edge.platform.actor import Actor
from edge.platform.config import Config
from edge.platform.db import Database
from edge.sepa import calendar, mandates, pain008, preflight
from edge.sepa.model import (
    CollectionFile,
    Creditor,
    DirectDebit,
    Failure,
    PostalAddress,
    PreflightFailed,
)

REASON = re.compile(r"^[A-Z]{2}[0-9]{2}$")  # ISO 20022 ExternalReturnReason1Code, e.g. MD01


def creditor(config: Config) -> Creditor:
    s = config.sepa
    return Creditor(
        name=s.creditor_name, creditor_id=s.creditor_id, iban=s.iban, bic=s.bic,
        address=PostalAddress(town=s.town, country=s.country, street=s.street,
                              building=s.building, postcode=s.postcode),
    )  # fmt: skip


def _owed(row: sqlite3.Row) -> int:
    return (
        row["principal"] - row["principal_paid"]
        + row["fees"] - row["fees_paid"]
        + row["interest"] - row["interest_paid"]
    )  # fmt: skip


def _mandate_for(conn: sqlite3.Connection, customer_id: int) -> sqlite3.Row | None:
    """The active mandate, else the newest one (expired or revoked: the
    pre-flight names it rather than the invoice silently staying behind)."""
    return (
        mandates.active_mandate(conn, customer_id)
        or conn.execute(
            "SELECT * FROM sepa_mandates WHERE customer_id = ? ORDER BY id DESC LIMIT 1",
            [customer_id],
        ).fetchone()
    )


def _due_rows(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM invoices WHERE sepa_state = 'due' AND kind = 'invoice'"
        " AND state IN ('open','partly_paid') ORDER BY id"
    ).fetchall()


def _debit(
    conn: sqlite3.Connection, config: Config, inv: sqlite3.Row, m: sqlite3.Row, made_on: date
) -> DirectDebit:
    c = customer_row(conn, inv["customer_id"])
    first = m["last_collected_on"] is None  # FRST exactly once per mandate (pre-flight)
    issued = date.fromisoformat(inv["issue_date"])
    word = "Invoice" if c["preferred_language"] == "en" else "Rechnung"
    return DirectDebit(
        invoice_id=int(inv["id"]),
        invoice_number=inv["number"],
        invoice_date=issued,
        amount=_owed(inv),
        end_to_end_id=inv["number"][:35],
        remittance=f"{word} {inv['number']}",
        mandate_reference=m["reference"],
        mandate_signed_on=date.fromisoformat(m["signed_on"]),
        sequence="FRST" if first else "RCUR",
        debtor_name=buyer(c, config).name,
        debtor_iban=m["iban"],
        debtor_bic=m["bic"],
        debtor_address=PostalAddress(
            town=c["city"] or "",
            country=(c["country"] or config.box.country).upper(),
            street=c["street"] or "",
            building=c["house_number"] or "",
            postcode=c["postal_code"] or "",
        ),
        collection_date=calendar.earliest_collection_date(
            made_on, issued, config.sepa.prenotification_days
        ),
        mandate_status=m["status"],  # expiry: the pre-flight counts the 36 months
        mandate_last_collected_on=(
            date.fromisoformat(m["last_collected_on"]) if m["last_collected_on"] else None
        ),
        amendment=mandates.amendment_of(m),
    )


def due_debits(
    conn: sqlite3.Connection, config: Config, made_on: date
) -> tuple[list[DirectDebit], list[Failure]]:
    """What the next file made on ``made_on`` would collect, and the due
    invoices it cannot (no mandate at all) as failures."""
    debits: list[DirectDebit] = []
    missing: list[Failure] = []
    for inv in _due_rows(conn):
        m = _mandate_for(conn, inv["customer_id"])
        if m is None:
            missing.append(Failure(inv["number"], "mandate", "the customer has no SEPA mandate"))
        else:
            debits.append(_debit(conn, config, inv, m, made_on))
    return debits, missing


def preview(conn: sqlite3.Connection, config: Config, made_on: date) -> dict[str, Any]:
    debits, failures = due_debits(conn, config, made_on)
    failures += preflight.check(creditor(config), debits, made_on, config.sepa.prenotification_days)
    return {
        "made_on": made_on.isoformat(),
        "debits": [debit_out(d, made_on) for d in debits],
        "count": len(debits),
        "control_sum": sum(d.amount for d in debits),
        "failures": [failure_out(f) for f in failures],
        "currency": config.box.currency,
    }


def debit_out(d: DirectDebit, made_on: date) -> dict[str, Any]:
    last = d.mandate_last_collected_on
    as_stored = {"status": d.mandate_status, "signed_on": d.mandate_signed_on.isoformat(),
                 "last_collected_on": last and last.isoformat()}  # fmt: skip
    status = mandates.status_on(as_stored, made_on)
    return {
        "invoice_id": str(d.invoice_id), "invoice_number": d.invoice_number,
        "amount": d.amount, "sequence": d.sequence,
        "collection_date": d.collection_date.isoformat(),
        "mandate_reference": d.mandate_reference, "mandate_status": status,
        "debtor_name": d.debtor_name, "debtor_iban": d.debtor_iban,
        "amended": d.amendment is not None,
    }  # fmt: skip


def failure_out(f: Failure) -> dict[str, str]:
    return {"invoice_number": f.invoice_number, "field": f.field, "message": f.message}


# ------------------------------------------------------------------- files --


def _file_by_key(conn: sqlite3.Connection, key: str | None) -> sqlite3.Row | None:
    if key is None:
        return None
    return conn.execute(  # type: ignore[no-any-return]
        "SELECT * FROM sepa_files WHERE idempotency = ?", [key]
    ).fetchone()


def _store(
    conn: sqlite3.Connection, actor: Actor, f: CollectionFile, debits: list[DirectDebit],
    key: str | None,
) -> int:  # fmt: skip
    cur = conn.execute(
        "INSERT INTO sepa_files (message_id, created_at, created_by, count, control_sum, xml,"
        " sha256, idempotency) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [f.message_id, actor.at, actor.name, f.count, f.control_sum, f.xml,
         hashlib.sha256(f.xml).hexdigest(), key],
    )  # fmt: skip
    file_id = int(cur.lastrowid or 0)
    for d in debits:
        customer_id = int(invoice_row(conn, d.invoice_id)["customer_id"])
        m = _mandate_for(conn, customer_id)
        assert m is not None  # due_debits found it in this transaction
        conn.execute(
            "INSERT INTO sepa_collections (file_id, invoice_id, mandate_id, sequence, amount,"
            " collection_date, end_to_end_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [file_id, d.invoice_id, m["id"], d.sequence, d.amount, d.collection_date.isoformat(),
             d.end_to_end_id],
        )  # fmt: skip
        conn.execute(
            "UPDATE invoices SET sepa_state = 'pending', updated_at = ?, updated_by = ?"
            " WHERE id = ?",
            [actor.at, actor.name, d.invoice_id],
        )
        conn.execute(
            "UPDATE sepa_mandates SET amendment = NULL, last_collected_on ="
            " max(coalesce(last_collected_on, ''), ?), updated_at = ?, updated_by = ? WHERE id = ?",
            [d.collection_date.isoformat(), actor.at, actor.name, m["id"]],
        )
        log_invoice(
            conn, actor, customer_id, "sepa_file",
            invoice_id=str(d.invoice_id), number=d.invoice_number, file_id=str(file_id),
            sequence=d.sequence, amount=d.amount, collection_date=d.collection_date.isoformat(),
        )  # fmt: skip
    return file_id


def _created(config: Config, actor: Actor, made_on: date) -> datetime:
    """The file's creation time: the actor's; a file made ahead for a later
    upload (``made_on`` after today) counts from noon UTC of that day, which
    is that day in every SEPA time zone. Never before today."""
    today = box_date(config, actor.at)
    if made_on < today:
        raise FieldErrors.one("date", f"a file is not made before today ({today})")
    if made_on == today:
        return datetime.fromisoformat(actor.at.replace("Z", "+00:00")).astimezone(UTC)
    return datetime.combine(made_on, time(12, tzinfo=UTC))


def make_in(
    conn: sqlite3.Connection, config: Config, actor: Actor, made_on: date, key: str | None = None
) -> int:
    """:func:`make_file` in the caller's write transaction: the new file's id
    (or the one made under ``key`` before)."""
    again = _file_by_key(conn, key)
    if again is not None:
        return int(again["id"])
    created = _created(config, actor, made_on)
    debits, missing = due_debits(conn, config, made_on)
    if missing:
        raise PreflightFailed(
            missing
            + preflight.check(creditor(config), debits, made_on, config.sepa.prenotification_days)
        )
    if not debits:
        raise Conflict("no invoice is due for direct debit", count=0)
    seq = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM sepa_files").fetchone()[0]
    message_id = f"TILLEDGE-{created:%Y%m%d}-{seq:06d}"
    f = pain008.build(
        creditor(config), debits, message_id, created,
        prenotification_days=config.sepa.prenotification_days,
    )  # fmt: skip
    return _store(conn, actor, f, debits, key)


def make_file(
    db: Database, config: Config, actor: Actor, made_on: date, idem_key: str | None = None
) -> dict[str, Any]:
    """Make the next collection file (one transaction); the same ``idem_key``
    gives the same file. Raises ``PreflightFailed`` (nothing stored) or
    ``Conflict`` when nothing is due."""
    file_id = db.write(lambda conn: make_in(conn, config, actor, made_on, idem_key))
    return file_out(db.reader(), file_id)


def dry_run(conn: sqlite3.Connection, config: Config, actor: Actor, made_on: date) -> bytes:
    """The XML the next file would have, stored nowhere (``tilledge sepa file --dry-run``)."""
    created = _created(config, actor, made_on)
    debits, missing = due_debits(conn, config, made_on)
    if missing:
        raise PreflightFailed(missing)
    if not debits:
        raise Conflict("no invoice is due for direct debit", count=0)
    return pain008.build(
        creditor(config), debits, f"TILLEDGE-{created:%Y%m%d}-DRYRUN", created,
        prenotification_days=config.sepa.prenotification_days,
    ).xml  # fmt: skip


def file_row(conn: sqlite3.Connection, file_id: int) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM sepa_files WHERE id = ?", [file_id]).fetchone()
    if row is None:
        raise NotFound(f"no SEPA file {file_id}")
    return row  # type: ignore[no-any-return]


def collection_out(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": str(row["id"]), "file_id": str(row["file_id"]),
        "invoice_id": str(row["invoice_id"]), "invoice_number": row["number"],
        "mandate_id": str(row["mandate_id"]), "sequence": row["sequence"],
        "amount": row["amount"], "collection_date": row["collection_date"],
        "end_to_end_id": row["end_to_end_id"], "state": row["state"],
        "return_reason": row["return_reason"], "returned_at": row["returned_at"],
        "confirmed_at": row["confirmed_at"],
    }  # fmt: skip


def collections_of(conn: sqlite3.Connection, file_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT c.*, i.number FROM sepa_collections c JOIN invoices i ON i.id = c.invoice_id"
        " WHERE c.file_id = ? ORDER BY c.id",
        [file_id],
    ).fetchall()
    return [collection_out(r) for r in rows]


def file_out(conn: sqlite3.Connection, file_id: int, *, items: bool = True) -> dict[str, Any]:
    row = file_row(conn, file_id)
    out: dict[str, Any] = {
        "id": str(row["id"]), "message_id": row["message_id"], "created_at": row["created_at"],
        "created_by": row["created_by"], "count": row["count"], "control_sum": row["control_sum"],
        "sha256": row["sha256"],
    }  # fmt: skip
    if items:
        out["collections"] = collections_of(conn, file_id)
    return out


def files(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    ids = [r[0] for r in conn.execute("SELECT id FROM sepa_files ORDER BY id DESC")]
    return [file_out(conn, i, items=False) for i in ids]


# ------------------------------------------------------- after the file --


def confirm(
    conn: sqlite3.Connection, config: Config, actor: Actor, file_id: int, on: date
) -> dict[str, Any]:
    """The bank collected: book a ``sepa`` payment for each pending
    collection of the file due by ``on``; those later stay pending."""
    today = box_date(config, actor.at)
    if on > today:
        raise FieldErrors.one("date", f"the bank cannot have confirmed after today ({today})")
    file_row(conn, file_id)
    rows = conn.execute(
        "SELECT * FROM sepa_collections WHERE file_id = ? AND state = 'pending' ORDER BY id",
        [file_id],
    ).fetchall()
    due = [r for r in rows if r["collection_date"] <= on.isoformat()]
    if not due:
        first = min((r["collection_date"] for r in rows), default=None)
        raise Conflict(
            "nothing to confirm"
            + (f": the first collection date is {first}" if first else ": nothing is pending"),
            collection_date=first,
        )
    for r in due:
        payment_id = record_payment(
            conn, config, actor, r["invoice_id"], "sepa", r["amount"], reference=r["end_to_end_id"]
        )
        conn.execute(
            "UPDATE sepa_collections SET state = 'confirmed', confirmed_at = ?, payment_id = ?"
            " WHERE id = ?",
            [actor.at, payment_id, r["id"]],
        )
        conn.execute("UPDATE invoices SET sepa_state = 'collected' WHERE id = ?", [r["invoice_id"]])
    return {"file_id": str(file_id), "confirmed": len(due), "pending": len(rows) - len(due)}


def record_return(
    conn: sqlite3.Connection, config: Config, actor: Actor, collection_id: int, reason: str
) -> dict[str, Any]:
    """A returned debit (R-transaction) with its reason code."""
    if not REASON.match(reason):
        raise FieldErrors.one("reason", "must be an ISO 20022 return reason code such as MD01")
    row = conn.execute("SELECT * FROM sepa_collections WHERE id = ?", [collection_id]).fetchone()
    if row is None:
        raise NotFound(f"no SEPA collection {collection_id}")
    if row["state"] == "returned":
        raise Conflict(f"collection {collection_id} is already returned", state="returned")
    if row["payment_id"] is not None:
        reverse_payment(conn, actor, int(row["payment_id"]), f"SEPA return {reason}")
    conn.execute(
        "UPDATE sepa_collections SET state = 'returned', return_reason = ?, returned_at = ?"
        " WHERE id = ?",
        [reason, actor.at, collection_id],
    )
    inv = invoice_row(conn, row["invoice_id"])
    fee = config.sepa.return_fee if inv["state"] in OWING else 0
    conn.execute(
        "UPDATE invoices SET sepa_state = 'returned', fees = fees + ?, updated_at = ?,"
        " updated_by = ? WHERE id = ?",
        [fee, actor.at, actor.name, inv["id"]],
    )
    log_invoice(
        conn, actor, inv["customer_id"], "sepa_return", invoice_id=str(inv["id"]),
        number=inv["number"], collection_id=str(collection_id), reason=reason, fee=fee,
    )  # fmt: skip
    m = mandates.mandate_row(conn, int(row["mandate_id"]))
    revoked = reason in mandates.RETURN_REVOKES and m["status"] != "revoked"
    if revoked:
        mandates.revoke(conn, actor, int(m["id"]), f"return {reason}")
    return {"collection_id": str(collection_id), "invoice_id": str(inv["id"]), "reason": reason,
            "fee": fee, "mandate_revoked": revoked}  # fmt: skip


def select_for_debit(conn: sqlite3.Connection, actor: Actor, invoice_id: int) -> None:
    """A manager puts an open invoice into the next file."""
    inv = invoice_row(conn, invoice_id)
    if inv["kind"] != "invoice" or inv["state"] not in OWING:
        raise Conflict(
            f"invoice {inv['number'] or invoice_id} is {inv['state']}", state=inv["state"]
        )
    if inv["sepa_state"] in ("due", "pending"):
        raise Conflict(
            f"invoice {inv['number']} is already {inv['sepa_state']}", state=inv["sepa_state"]
        )
    if mandates.active_mandate(conn, inv["customer_id"]) is None:
        raise Conflict("the customer has no active SEPA mandate", state=None)
    conn.execute(
        "UPDATE invoices SET sepa_state = 'due', updated_at = ?, updated_by = ? WHERE id = ?",
        [actor.at, actor.name, invoice_id],
    )
    log_invoice(conn, actor, inv["customer_id"], "sepa_selected", invoice_id=str(invoice_id),
                number=inv["number"])  # fmt: skip
