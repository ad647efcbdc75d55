"""Writing a customer's master data: create, update (checked or already
validated), status; every change is kept in the history and the search keys
and phone indexes follow. Write functions take the writer's connection and
never commit; a change of the SEPA fields brings the customer's mandate in
step (edge/sepa/mandates.py) in the same transaction. Imports
``edge.errors``, ``edge.platform``, ``edge.sepa.mandates`` and the customer
modules below it.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.customers import records as r
from edge.customers.duplicates import find_duplicates
from edge.customers.history import log_change
from edge.customers.lookup import customer_row, memo
from edge.customers.numbers import allocate_number
from edge.customers.validate import check_record
from edge.errors import Conflict, DuplicateCustomer, FieldErrors
from edge.platform.actor import Actor
from edge.platform.config import Config
from edge.sepa import mandates

MEMO = "third_party_memo"


def index_phones(
    conn: sqlite3.Connection, customer_id: int, phone_digits: str, old_digits: str = ""
) -> None:
    """Keep both phone indexes (exact/prefix numbers, 4-digit windows) in step."""
    conn.execute("DELETE FROM customer_phones WHERE customer_id = ?", [customer_id])
    conn.executemany(
        "DELETE FROM customer_phone_grams WHERE gram = ? AND customer_id = ? AND digits = ?",
        r.gram_rows(customer_id, old_digits),
    )
    if phone_digits:
        conn.executemany(
            "INSERT OR IGNORE INTO customer_phones (digits, customer_id) VALUES (?, ?)",
            [(d, customer_id) for d in phone_digits.split()],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO customer_phone_grams (gram, customer_id, digits)"
            " VALUES (?, ?, ?)",
            r.gram_rows(customer_id, phone_digits),
        )


def create_customer(
    conn: sqlite3.Connection,
    values: dict[str, Any],
    *,
    config: Config,
    actor: str,
    now: str,
    allow_duplicate: bool = False,
) -> int:
    """Insert a normalised record; raise FieldErrors / DuplicateCustomer."""
    record = {f: values.get(f) for f in r.FIELDS}
    record["type"] = values.get("type") or "individual"
    for f in r.BOOL_FIELDS:
        record[f] = bool(values.get(f, False))
    sent = {k for k, v in values.items() if v is not None}
    check_record(
        conn, record, customer_id=None, ssn_unique=config.customers.ssn_unique, changed=sent
    )
    if not allow_duplicate:
        dupes = find_duplicates(conn, record)
        if dupes:
            raise DuplicateCustomer(
                f"{len(dupes)} active customer(s) look the same; "
                "repeat with ?allow_duplicate=true to create anyway",
                candidates=dupes,
            )
    if record["customer_number"] is None:
        record["customer_number"] = allocate_number(conn, config.customers.next_number)
    keys = r.derived(record)
    row = [r.to_db(f, record[f]) for f in r.ROW_FIELDS]
    row += [keys[k] for k in r.KEY_COLUMNS]
    row += ["active", now, actor, now, actor]
    customer_id = int(conn.execute(r.INSERT_SQL, row).lastrowid or 0)
    index_phones(conn, customer_id, keys["phone_digits"])
    if record.get("third_party_memo") is not None:
        conn.execute(
            "INSERT INTO customer_third_party_memos (customer_id, text) VALUES (?, ?)",
            [customer_id, record["third_party_memo"]],
        )
    log_change(conn, customer_id, actor, now, "created", None, record["customer_number"])
    if record.get("sepa_mandate_reference"):
        mandates.follow_customer(conn, Actor(actor, now), customer_id)
    return customer_id


def refuse_if_erased(conn: sqlite3.Connection, customer_id: int) -> None:
    """An erased record (GDPR) stays a pseudonym: no field, no status comes back."""
    found = conn.execute(
        "SELECT 1 FROM customer_erasures WHERE customer_id = ?", [customer_id]
    ).fetchone()
    if found is not None:
        raise Conflict(f"customer {customer_id} was erased (GDPR); the record cannot change")


def update_customer(
    conn: sqlite3.Connection,
    customer_id: int,
    values: dict[str, Any],
    *,
    config: Config,
    actor: str,
    now: str,
) -> list[str]:
    """Apply the sent fields; keep history; return the names of changed fields."""
    row = customer_row(conn, customer_id)
    refuse_if_erased(conn, customer_id)
    current = {f: row[f] for f in r.ROW_FIELDS}
    current[MEMO] = memo(conn, customer_id)
    merged = dict(current)
    changed: list[str] = []
    for field, value in values.items():
        new = r.to_db(field, value)
        if new is None and (field in r.BOOL_FIELDS or field in ("type", "customer_number")):
            raise FieldErrors([{"field": field, "message": "may not be null"}])
        if new != current[field]:
            merged[field] = new
            changed.append(field)
    if not changed:
        return []
    record = {f: r.from_db(f, v) for f, v in merged.items()}
    check_record(
        conn,
        record,
        customer_id=customer_id,
        ssn_unique=config.customers.ssn_unique,
        changed=set(changed),
    )
    _write(conn, row, current[MEMO], {f: record[f] for f in changed}, actor=actor, now=now)
    return changed


def update_customer_unchecked(
    conn: sqlite3.Connection, customer_id: int, values: dict[str, Any], *, actor: str, now: str
) -> list[str]:
    """Write already-validated values (merge fills): same history and keys as PATCH."""
    row = customer_row(conn, customer_id)
    _write(conn, row, memo(conn, customer_id), values, actor=actor, now=now)
    return list(values)


def _write(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    old_memo: str | None,
    changes: dict[str, Any],
    *,
    actor: str,
    now: str,
) -> None:
    """Store ``changes`` (field → new value, as records hold them) with the
    search keys, the phone indexes, the memo and one history row per field."""
    customer_id = int(row["id"])
    record = {f: r.from_db(f, row[f]) for f in r.ROW_FIELDS}
    record.update(changes)
    keys = r.derived(record)
    cols = [f for f in changes if f != MEMO]
    sets = [*cols, *r.KEY_COLUMNS, "updated_at", "updated_by"]
    args = [r.to_db(f, changes[f]) for f in cols] + [keys[k] for k in r.KEY_COLUMNS] + [now, actor]
    conn.execute(
        f"UPDATE customers SET {', '.join(f'{c} = ?' for c in sets)} WHERE id = ?",
        [*args, customer_id],
    )
    if any(f in r.PHONE_FIELDS for f in cols):
        index_phones(conn, customer_id, keys["phone_digits"], row["phone_digits"])
    if MEMO in changes:
        if changes[MEMO] is None:
            conn.execute(
                "DELETE FROM customer_third_party_memos WHERE customer_id = ?", [customer_id]
            )
        else:
            conn.execute(
                "INSERT INTO customer_third_party_memos (customer_id, text) VALUES (?, ?)"
                " ON CONFLICT (customer_id) DO UPDATE SET text = excluded.text",
                [customer_id, changes[MEMO]],
            )
    for f, new in changes.items():
        old = old_memo if f == MEMO else r.from_db(f, row[f])
        log_change(conn, customer_id, actor, now, f, old, new)
    if any(f in mandates.FIELDS for f in changes):  # the mandate follows, same transaction
        mandates.follow_customer(conn, Actor(actor, now), customer_id)


def set_status(
    conn: sqlite3.Connection, customer_id: int, status: str, *, actor: str, now: str
) -> bool:
    """Deactivate / reactivate; returns False when it already had that status."""
    row = customer_row(conn, customer_id)
    if row["status"] == status:
        return False
    refuse_if_erased(conn, customer_id)
    if status == "active" and row["merged_into"] is not None:
        raise Conflict(
            f"customer {customer_id} was merged into {row['merged_into']}; use that record",
        )
    conn.execute(
        "UPDATE customers SET status = ?, updated_at = ?, updated_by = ? WHERE id = ?",
        [status, now, actor, customer_id],
    )
    log_change(conn, customer_id, actor, now, "status", row["status"], status)
    return True


def touch_last_visit(conn: sqlite3.Connection, customer_id: int, at: str) -> None:
    """Set ``last_visit`` (payments, checkouts). Not a master-data change: no history."""
    conn.execute("UPDATE customers SET last_visit = ? WHERE id = ?", [at, customer_id])
