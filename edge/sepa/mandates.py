"""SEPA mandates in the database (BACKOFFICE §10; docs/sepa-collections.md,
"Mandates").

The customer record is the editing surface: its ``iban``, ``bic``,
``sepa_mandate_reference`` and ``sepa_mandate_date`` are what a shop types
from the signed form, and saving them calls :func:`follow_customer` in the
same transaction. It keeps one ``active`` mandate row per customer in step:

- a first reference (with date and IBAN) creates the mandate;
- a changed reference or IBAN of the same signature is an *amendment*: the
  row takes the new values and ``amendment`` keeps the originals as last
  collected (a second change before the next file keeps the first
  originals), flagged once in the next file; an IBAN at another bank is
  ``other_bank`` (SMNDA; the sequence stays RCUR, as the EPC rulebook
  allows since November 2016 and the pre-flight demands);
- a new signature date with a new reference is a new mandate: the old one
  is revoked ("replaced");
- clearing the reference revokes the mandate.

Why not a separate mandate API to edit: the fields exist, the panel and the
import already edit them, and two surfaces for one IBAN would disagree.

``expired`` (36 months without a collection, counted from the signature when
never collected) is computed when read and stored by the file run
(:func:`expire_stale`). Imports ``edge.errors``, ``edge.platform``,
``edge.customers`` and the package.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any

from edge.customers.history import log_change
from edge.customers.lookup import customer_row
from edge.errors import Conflict, FieldErrors, NotFound
from edge.platform.actor import Actor
from edge.sepa.model import Amendment
from edge.sepa.preflight import EXPIRY_MONTHS, months_later

FIELDS = ("iban", "bic", "sepa_mandate_reference", "sepa_mandate_date")
RETURN_REVOKES = ("MD01", "MD06")


def expires_on(row: sqlite3.Row | dict[str, Any]) -> date:
    """The last day a file may still collect under the mandate (the
    pre-flight's rule: 36 months after the last collection or signature)."""
    since = row["last_collected_on"] or row["signed_on"]
    return months_later(date.fromisoformat(since), EXPIRY_MONTHS)


def status_on(row: sqlite3.Row | dict[str, Any], day: date) -> str:
    """The stored status, or ``expired`` once 36 months passed unused."""
    if row["status"] == "active" and day > expires_on(row):
        return "expired"
    return str(row["status"])


def amendment_of(row: sqlite3.Row | dict[str, Any]) -> Amendment | None:
    raw = row["amendment"]
    return None if raw is None else Amendment(**json.loads(raw))


def _bank(iban: str, bic: str | None) -> str:
    """What names the debtor's bank: the BIC's institution and country, else
    the IBAN's country and national bank code (8 places cover DE's BLZ)."""
    return bic[:6].upper() if bic else iban[:2] + iban[4:12]


def _log(conn: sqlite3.Connection, actor: Actor, customer_id: int, event: str, **what: Any) -> None:
    log_change(
        conn, customer_id, actor.name, actor.at, "sepa_mandate", None, {"event": event, **what}
    )


def active_mandate(conn: sqlite3.Connection, customer_id: int) -> sqlite3.Row | None:
    return conn.execute(  # type: ignore[no-any-return]
        "SELECT * FROM sepa_mandates WHERE customer_id = ? AND status = 'active'", [customer_id]
    ).fetchone()


def mandate_row(conn: sqlite3.Connection, mandate_id: int) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM sepa_mandates WHERE id = ?", [mandate_id]).fetchone()
    if row is None:
        raise NotFound(f"no SEPA mandate {mandate_id}")
    return row  # type: ignore[no-any-return]


def _reference_free(conn: sqlite3.Connection, reference: str, own: int | None) -> None:
    taken = conn.execute(
        "SELECT id FROM sepa_mandates WHERE reference = ? AND id IS NOT ?", [reference, own]
    ).fetchone()
    if taken is not None:
        raise FieldErrors.one("sepa_mandate_reference", "is the reference of another mandate")


def follow_customer(conn: sqlite3.Connection, actor: Actor, customer_id: int) -> None:
    """Bring the customer's active mandate in step with their SEPA fields
    (in the caller's transaction; see the module docstring)."""
    c = customer_row(conn, customer_id)
    ref, signed, iban, bic = (c["sepa_mandate_reference"], c["sepa_mandate_date"], c["iban"],
                              c["bic"] or None)  # fmt: skip
    current = active_mandate(conn, customer_id)
    if current is not None and (
        not ref or (signed != current["signed_on"] and ref != current["reference"])
    ):
        revoke(conn, actor, int(current["id"]), "replaced" if ref else "removed from the customer")
        current = None
    if not ref:
        return
    if not (signed and iban):
        field = "sepa_mandate_date" if not signed else "iban"
        raise FieldErrors.one(field, "is needed with a SEPA mandate reference")
    if current is None:
        _reference_free(conn, ref, None)
        cur = conn.execute(
            "INSERT INTO sepa_mandates (customer_id, reference, signed_on, iban, bic,"
            " created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [customer_id, ref, signed, iban, bic, actor.at, actor.name, actor.at, actor.name],
        )
        _log(conn, actor, customer_id, "created", mandate_id=str(cur.lastrowid), reference=ref)
        return
    if (ref, iban, bic, signed) == (current["reference"], current["iban"], current["bic"],
                                    current["signed_on"]):  # fmt: skip
        return
    _reference_free(conn, ref, int(current["id"]))
    amendment = _amended(current, ref, iban, bic)
    conn.execute(
        "UPDATE sepa_mandates SET reference = ?, iban = ?, bic = ?, signed_on = ?, amendment = ?,"
        " updated_at = ?, updated_by = ? WHERE id = ?",
        [ref, iban, bic, signed, None if amendment is None else json.dumps(amendment.__dict__),
         actor.at, actor.name, current["id"]],
    )  # fmt: skip
    _log(conn, actor, customer_id, "amended", mandate_id=str(current["id"]), reference=ref,
         original_reference=current["reference"], iban_changed=iban != current["iban"])  # fmt: skip


def _amended(current: sqlite3.Row, ref: str, iban: str, bic: str | None) -> Amendment | None:
    """What the next file flags: the originals as the bank last saw them
    (an amendment still pending keeps its originals)."""
    pending = amendment_of(current) or Amendment()
    if current["last_collected_on"] is None:
        return None  # never collected: the first file is FRST with today's data anyway
    orig_ref = pending.original_mandate_reference or (
        current["reference"] if ref != current["reference"] else ""
    )
    other_bank = pending.other_bank or _bank(iban, bic) != _bank(current["iban"], current["bic"])
    orig_iban = ""
    if not other_bank:
        orig_iban = pending.original_iban or (current["iban"] if iban != current["iban"] else "")
    if orig_ref == ref:
        orig_ref = ""  # changed back: nothing to tell the bank
    if not (orig_ref or orig_iban or other_bank):
        return None
    return Amendment(orig_ref, orig_iban, other_bank)


def revoke(conn: sqlite3.Connection, actor: Actor, mandate_id: int, reason: str) -> None:
    """No further collection under this mandate (manual, a replacing
    signature, or an MD01/MD06 return); collections already made stand."""
    row = mandate_row(conn, mandate_id)
    if row["status"] == "revoked":
        raise Conflict(f"mandate {row['reference']} is already revoked", state="revoked")
    conn.execute(
        "UPDATE sepa_mandates SET status = 'revoked', revoked_at = ?, revoked_reason = ?,"
        " updated_at = ?, updated_by = ? WHERE id = ?",
        [actor.at, reason, actor.at, actor.name, mandate_id],
    )
    _log(conn, actor, int(row["customer_id"]), "revoked", mandate_id=str(mandate_id),
         reference=row["reference"], reason=reason)  # fmt: skip


def expire_stale(conn: sqlite3.Connection, actor: Actor, day: date) -> int:
    """Store ``expired`` for every active mandate unused for 36 months."""
    n = 0
    for row in conn.execute("SELECT * FROM sepa_mandates WHERE status = 'active'").fetchall():
        if status_on(row, day) == "expired":
            conn.execute(
                "UPDATE sepa_mandates SET status = 'expired', updated_at = ?, updated_by = ?"
                " WHERE id = ?",
                [actor.at, actor.name, row["id"]],
            )
            _log(conn, actor, int(row["customer_id"]), "expired", mandate_id=str(row["id"]))
            n += 1
    return n


def mandate_out(row: sqlite3.Row, day: date) -> dict[str, Any]:
    amendment = amendment_of(row)
    return {
        "id": str(row["id"]),
        "customer_id": str(row["customer_id"]),
        "reference": row["reference"],
        "signed_on": row["signed_on"],
        "scheme": row["scheme"],
        "status": status_on(row, day),
        "iban": row["iban"],
        "bic": row["bic"],
        "last_collected_on": row["last_collected_on"],
        "expires_on": expires_on(row).isoformat(),
        "amendment": None if amendment is None else amendment.__dict__,
        "revoked_at": row["revoked_at"],
        "revoked_reason": row["revoked_reason"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def mandates_of(
    conn: sqlite3.Connection, day: date, customer_id: int | None = None
) -> list[dict[str, Any]]:
    if customer_id is not None:
        customer_row(conn, customer_id)
    rows = conn.execute(
        "SELECT * FROM sepa_mandates WHERE ? IS NULL OR customer_id = ? ORDER BY customer_id, id",
        [customer_id, customer_id],
    ).fetchall()
    return [mandate_out(r, day) for r in rows]
