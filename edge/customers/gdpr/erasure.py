"""The Art. 17 erasure of one customer, in one transaction.

Refused (``erasure_refused`` with every reason) while money or a contract is
open either way: credit, points, unsettled invoices, a running subscription
or a SEPA mandate in use. Otherwise every personal field is blanked (all of
:func:`~.sections.personal_fields`: a new field is erased unless declared
kept), the name becomes a pseudonym (``Gelöscht 4F2A9C01``) and the customer
number stays, so the journal, issued invoices and mandates the law makes the
shop keep (``gdpr.retention_years``) stay linked to the pseudonym. Cards are
released, the search keys and phone indexes follow, the history keeps which
field changed but not the values, and each section's ``erase`` hook runs.
The record ends inactive and blocked; a second erasure answers the first's
result. Search finds the pseudonym only.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import date
from typing import Any

from edge.customers import records as r
from edge.customers.edit import index_phones
from edge.customers.gdpr.areas import available
from edge.customers.gdpr.sections import Erasing, Reason, personal_fields
from edge.customers.history import log_change
from edge.customers.lookup import customer_row
from edge.errors import ErasureRefused
from edge.platform.config import Config

PSEUDONYM_WORD = {"de": "Gelöscht", "en": "Erased"}


def erased(conn: sqlite3.Connection, customer_id: int) -> dict[str, Any] | None:
    """The stored answer of the customer's erasure, or None."""
    row = conn.execute(
        "SELECT answer FROM customer_erasures WHERE customer_id = ?", [customer_id]
    ).fetchone()
    return None if row is None else json.loads(row["answer"])  # type: ignore[no-any-return]


def refusals(conn: sqlite3.Connection, customer_id: int) -> list[Reason]:
    """Why the customer cannot be erased now (empty: it can)."""
    customer_row(conn, customer_id, "id")
    out: list[Reason] = []
    for section in available(conn):
        if section.refusals is not None:
            out += section.refusals(conn, customer_id)
    return out


def _retain_until(today: date, years: int) -> str:
    try:
        return today.replace(year=today.year + years).isoformat()
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28).isoformat()


def _blank(row: sqlite3.Row, pseudonym: str) -> dict[str, Any]:
    """The erased record: personal fields at their empty value, the pseudonym
    as the name the record is shown by."""
    values = {f: r.from_db(f, row[f]) for f in r.ROW_FIELDS}
    for f in personal_fields():
        values[f] = False if f in r.BOOL_FIELDS else None
    values["blocked"] = True
    values["company_name" if values["type"] == "business" else "last_name"] = pseudonym
    return values


def _scrub_replays(conn: sqlite3.Connection, texts: set[str]) -> None:
    # Stored API answers (kept for Idempotency-Key replays, 8 days) quote the
    # record: they go. A replay of one is then refused, never re-run (the
    # customer is blocked).
    for text in texts:
        for needle in {text, json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}:
            conn.execute("DELETE FROM idempotency_keys WHERE instr(response, ?) > 0", [needle])


def erase_customer(
    conn: sqlite3.Connection,
    customer_id: int,
    *,
    actor: str,
    now: str,
    config: Config,
) -> dict[str, Any]:
    """Erase (Art. 17) or raise :class:`ErasureRefused`; inside a write, never commits.

    The pseudonym's word is in the box's language (``devices.language``); what
    stays is kept ``gdpr.retention_years`` from today (UTC)."""
    done = erased(conn, customer_id)
    if done is not None:
        return done
    reasons = refusals(conn, customer_id)
    if reasons:
        raise ErasureRefused(
            "the customer cannot be erased yet: " + "; ".join(x["detail"] for x in reasons),
            reasons=reasons,
        )
    (was_secure,) = conn.execute("PRAGMA secure_delete").fetchone()
    conn.execute("PRAGMA secure_delete = ON")  # freed bytes are zeroed, not left in the file
    try:
        retain = _retain_until(date.fromisoformat(now[:10]), config.gdpr.retention_years)
        return _erase(
            conn, customer_id, actor=actor, now=now, retain=retain, language=config.devices.language
        )
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(was_secure)}")


def _erase(
    conn: sqlite3.Connection, customer_id: int, *, actor: str, now: str, retain: str, language: str
) -> dict[str, Any]:
    row = customer_row(conn, customer_id)
    pseudonym = f"{PSEUDONYM_WORD.get(language, 'Erased')} {secrets.token_hex(4).upper()}"
    values = _blank(row, pseudonym)
    memo = conn.execute(
        "SELECT text FROM customer_third_party_memos WHERE customer_id = ?", [customer_id]
    ).fetchone()
    old = {f: row[f] for f in personal_fields() if f in r.ROW_FIELDS and row[f] is not None}
    if memo is not None:
        old["third_party_memo"] = memo["text"]
    old["display_name"] = row["display_name"]
    keys = r.derived(values)
    sets = [*r.ROW_FIELDS, *r.KEY_COLUMNS]
    args = [r.to_db(f, values[f]) for f in r.ROW_FIELDS] + [keys[k] for k in r.KEY_COLUMNS]
    conn.execute(
        f"UPDATE customers SET {', '.join(f'{c} = ?' for c in sets)}, status = 'inactive',"
        " updated_at = ?, updated_by = ? WHERE id = ?",
        [*args, now, actor, customer_id],
    )
    index_phones(conn, customer_id, "", row["phone_digits"])
    conn.execute("DELETE FROM customer_third_party_memos WHERE customer_id = ?", [customer_id])
    ctx = Erasing(customer_id, actor, now, pseudonym, old)
    touched = {s.name: s.erase(conn, ctx) for s in available(conn) if s.erase is not None}
    _scrub_replays(conn, {str(v) for v in old.values() if isinstance(v, str) and len(v) >= 3})
    answer = {
        "customer_id": str(customer_id),
        "customer_number": row["customer_number"],
        "pseudonym": pseudonym,
        "erased_at": now,
        "erased_by": actor,
        "retain_until": retain,
        "cards_released": touched.get("cards", 0),
        "history_scrubbed": touched.get("history", 0),
        "sections": touched,
    }
    # The erasure in the history: who, when, until when the rest is kept.
    log_change(
        conn,
        customer_id,
        actor,
        now,
        "erased",
        None,
        {"pseudonym": pseudonym, "retain_until": retain},
    )
    conn.execute(
        "INSERT INTO customer_erasures (customer_id, pseudonym, erased_at, erased_by,"
        " retain_until, answer) VALUES (?, ?, ?, ?, ?, ?)",
        [customer_id, pseudonym, now, actor, retain, json.dumps(answer, ensure_ascii=False)],
    )
    return answer
