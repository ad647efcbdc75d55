"""Customer service: the functions routes, CLI and other services call.

Write functions take the writer's connection (inside ``box.db.write`` or
``idempotency.commit``) and never commit themselves, so a caller can combine
them with its own writes in one transaction. Read functions take any
connection.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from edge.api.problems import ApiError
from edge.customers import records as r
from edge.customers.validate import FieldErrors, check_record
from edge.platform.config import Config

NEXT_NUMBER_KEY = "customers.next_number"
DUPLICATE_LIMIT = 10


def today_utc() -> date:
    return datetime.now(UTC).date()


def parse_id(raw: str | int) -> int:
    """Customer ids are opaque strings on the wire (rowids here)."""
    text = str(raw).strip()
    if not text.isdigit() or len(text) > 18:
        raise ApiError(404, "not_found", f"no customer {raw}")
    return int(text)


def _row(conn: sqlite3.Connection, customer_id: int, columns: str = "*") -> sqlite3.Row:
    row = conn.execute(f"SELECT {columns} FROM customers WHERE id = ?", [customer_id]).fetchone()
    if row is None:
        raise ApiError(404, "not_found", f"no customer {customer_id}")
    return row  # type: ignore[no-any-return]


# --- customer numbers --------------------------------------------------------


def next_number(conn: sqlite3.Connection, config_next: int) -> int:
    """The number the next customer gets: the stored counter, at least the config floor."""
    row = conn.execute("SELECT value FROM box_meta WHERE key = ?", [NEXT_NUMBER_KEY]).fetchone()
    stored = int(row["value"]) if row else 0
    return max(stored, config_next)


def set_next_number(conn: sqlite3.Connection, number: int) -> None:
    conn.execute(
        "INSERT INTO box_meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [NEXT_NUMBER_KEY, str(number)],
    )


def allocate_number(conn: sqlite3.Connection, config_next: int) -> int:
    """Take the next free number (numbers set by hand are skipped) and advance."""
    number = next_number(conn, config_next)
    while conn.execute("SELECT 1 FROM customers WHERE customer_number = ?", [number]).fetchone():
        number += 1
    set_next_number(conn, number + 1)
    return number


# --- history -------------------------------------------------------------------


def _history_value(field: str, value: Any) -> str | None:
    if value is None:
        return None
    if field == "third_party_memo":
        # Up to 1 MB per version: history keeps a fingerprint, not copies.
        text = str(value)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        return json.dumps({"length": len(text), "sha256": digest})
    return json.dumps(value, ensure_ascii=False, default=str)


def log_change(
    conn: sqlite3.Connection,
    customer_id: int,
    actor: str,
    at: str,
    field: str,
    old: Any,
    new: Any,
) -> None:
    conn.execute(
        "INSERT INTO customer_history (customer_id, at, actor, field, old, new)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [customer_id, at, actor, field, _history_value(field, old), _history_value(field, new)],
    )


def history(
    conn: sqlite3.Connection, customer_id: int, *, limit: int, after: int | None, offset: int
) -> dict[str, Any]:
    """Newest first; ``after`` is the last id of the previous page."""
    _row(conn, customer_id)
    where, args = "customer_id = ?", [customer_id]
    if after is not None:
        where += " AND id < ?"
        args.append(after)
    rows = conn.execute(
        f"SELECT * FROM customer_history WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*args, limit + 1, offset if after is None else 0],
    ).fetchall()
    total = conn.execute(
        "SELECT count(*) FROM customer_history WHERE customer_id = ?", [customer_id]
    ).fetchone()[0]
    items = [
        {
            "id": str(x["id"]),
            "at": x["at"],
            "actor": x["actor"],
            "field": x["field"],
            "old": None if x["old"] is None else json.loads(x["old"]),
            "new": None if x["new"] is None else json.loads(x["new"]),
        }
        for x in rows[:limit]
    ]
    nxt = str(rows[limit - 1]["id"]) if len(rows) > limit else None
    return {"items": items, "total": total, "next": nxt}


# --- phones index ----------------------------------------------------------------


def _index_phones(
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


# --- duplicates ----------------------------------------------------------------


def find_duplicates(
    conn: sqlite3.Connection, record: dict[str, Any], *, exclude: int | None = None
) -> list[dict[str, Any]]:
    """Active customers sharing the e-mail, a phone number, or name + date of birth."""
    keys = r.derived(record)
    hits: dict[int, set[str]] = {}

    def add(rows: list[sqlite3.Row], why: str) -> None:
        for row in rows:
            hits.setdefault(row["id"], set()).add(why)

    if keys["email_key"]:
        add(
            conn.execute(
                "SELECT id FROM customers WHERE email_key = ? AND email_key != ''"
                " AND status = 'active' LIMIT ?",
                [keys["email_key"], DUPLICATE_LIMIT],
            ).fetchall(),
            "email",
        )
    for number in keys["phone_digits"].split():
        add(
            conn.execute(
                "SELECT c.id FROM customer_phones p JOIN customers c ON c.id = p.customer_id"
                " WHERE p.digits = ? AND c.status = 'active' LIMIT ?",
                [number, DUPLICATE_LIMIT],
            ).fetchall(),
            "phone",
        )
    dob = record.get("date_of_birth")
    if keys["lf_key"] and record.get("first_name") and dob:
        add(
            conn.execute(
                "SELECT id FROM customers WHERE lf_key = ? AND lf_key != ''"
                " AND date_of_birth = ? AND status = 'active' LIMIT ?",
                [keys["lf_key"], r.to_db("date_of_birth", dob), DUPLICATE_LIMIT],
            ).fetchall(),
            "name_and_date_of_birth",
        )
    hits.pop(exclude, None)  # type: ignore[arg-type]
    out = []
    for cid in sorted(hits)[:DUPLICATE_LIMIT]:
        row = _row(conn, cid)
        out.append(
            {
                "id": str(cid),
                "customer_number": row["customer_number"],
                "display_name": row["display_name"],
                "email": row["email"],
                "phone": row["phone"] or row["mobile"],
                "matched": sorted(hits[cid]),
            }
        )
    return out


# --- create / update ---------------------------------------------------------------


def create_customer(
    conn: sqlite3.Connection,
    values: dict[str, Any],
    *,
    config: Config,
    actor: str,
    now: str,
    allow_duplicate: bool = False,
) -> int:
    """Insert a normalised record; raise FieldErrors / ApiError(409 duplicate_customer)."""
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
            raise ApiError(
                409,
                "duplicate_customer",
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
    _index_phones(conn, customer_id, keys["phone_digits"])
    if record.get("third_party_memo") is not None:
        conn.execute(
            "INSERT INTO customer_third_party_memos (customer_id, text) VALUES (?, ?)",
            [customer_id, record["third_party_memo"]],
        )
    log_change(conn, customer_id, actor, now, "created", None, record["customer_number"])
    return customer_id


def _memo(conn: sqlite3.Connection, customer_id: int) -> str | None:
    row = conn.execute(
        "SELECT text FROM customer_third_party_memos WHERE customer_id = ?", [customer_id]
    ).fetchone()
    return None if row is None else str(row["text"])


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
    row = _row(conn, customer_id)
    current = {f: row[f] for f in r.ROW_FIELDS}
    current["third_party_memo"] = _memo(conn, customer_id)
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
    row_changes = [f for f in changed if f != "third_party_memo"]
    keys = r.derived(record)
    sets = [*row_changes, *r.KEY_COLUMNS, "updated_at", "updated_by"]
    args = [merged[f] for f in row_changes] + [keys[k] for k in r.KEY_COLUMNS] + [now, actor]
    conn.execute(
        f"UPDATE customers SET {', '.join(f'{c} = ?' for c in sets)} WHERE id = ?",
        [*args, customer_id],
    )
    if any(f in r.PHONE_FIELDS for f in changed):
        _index_phones(conn, customer_id, keys["phone_digits"], row["phone_digits"])
    if "third_party_memo" in changed:
        if merged["third_party_memo"] is None:
            conn.execute(
                "DELETE FROM customer_third_party_memos WHERE customer_id = ?", [customer_id]
            )
        else:
            conn.execute(
                "INSERT INTO customer_third_party_memos (customer_id, text) VALUES (?, ?)"
                " ON CONFLICT (customer_id) DO UPDATE SET text = excluded.text",
                [customer_id, merged["third_party_memo"]],
            )
    for f in changed:
        log_change(
            conn, customer_id, actor, now, f, r.from_db(f, current[f]), r.from_db(f, merged[f])
        )
    return changed


def set_status(
    conn: sqlite3.Connection, customer_id: int, status: str, *, actor: str, now: str
) -> bool:
    """Deactivate / reactivate; returns False when it already had that status."""
    row = _row(conn, customer_id)
    if row["status"] == status:
        return False
    if status == "active" and row["merged_into"] is not None:
        raise ApiError(
            409,
            "conflict",
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


# --- reads -----------------------------------------------------------------------


def group_out(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "default_discount_percent": row["default_discount_percent"],
        "color": row["color"],
        "sort_order": row["sort_order"],
    }


def card_out(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "uid": row["uid"],
        "status": row["status"],
        "deposit_paid": bool(row["deposit_paid"]),
        "created_at": row["created_at"],
    }


def balances(conn: sqlite3.Connection, customer_id: int) -> tuple[int, int, int]:
    """Cash, bonus, points (0/0/0 without a balances row)."""
    row = conn.execute(
        "SELECT cash, bonus, points FROM balances WHERE customer_id = ?", [customer_id]
    ).fetchone()
    return (row["cash"], row["bonus"], row["points"]) if row else (0, 0, 0)


def _group(conn: sqlite3.Connection, group_id: int | None) -> sqlite3.Row | None:
    if group_id is None:
        return None
    return conn.execute(  # type: ignore[no-any-return]
        "SELECT * FROM customer_groups WHERE id = ?", [group_id]
    ).fetchone()


def get_customer(
    conn: sqlite3.Connection, customer_id: int, *, config: Config, today: date | None = None
) -> dict[str, Any]:
    """The full record of API.md "Record shapes"."""
    row = _row(conn, customer_id)
    group = _group(conn, row["group_id"])
    cash, bonus, points = balances(conn, customer_id)
    cards = conn.execute(
        "SELECT * FROM cards WHERE customer_id = ? ORDER BY id", [customer_id]
    ).fetchall()
    out: dict[str, Any] = {"id": str(customer_id)}
    for f in r.ROW_FIELDS:
        out[f] = r.from_db(f, row[f])
    out["third_party_memo"] = _memo(conn, customer_id)
    out.update(
        display_name=row["display_name"],
        status=row["status"],
        group=group_out(group),
        effective_discount_percent=r.effective_discount(
            row, group["default_discount_percent"] if group else None
        ),
        reverse_charge=r.reverse_charge(row, config.box.country),
        age_alert=r.age_alert(
            row["date_of_birth"], config.customers.age_alert_years, today or today_utc()
        ),
        cash=cash,
        bonus=bonus,
        points=points,
        currency=config.box.currency,
        cards=[card_out(c) for c in cards],
        merged_into=None if row["merged_into"] is None else str(row["merged_into"]),
        last_visit=row["last_visit"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )
    return out


@dataclass(frozen=True)
class MoneyCustomer:
    """What a money operation needs to know about its customer."""

    id: int
    customer_number: int
    display_name: str
    status: str
    blocked: bool
    lock_text: str | None
    group_id: int | None
    effective_discount_percent: int
    points_blocked: bool
    reverse_charge: bool
    merged_into: int | None

    def require_transactable(self) -> None:
        """Refuse money operations for blocked or inactive customers (SPEC §6)."""
        if self.blocked:
            raise ApiError(
                409,
                "customer_blocked",
                self.lock_text or "this customer is blocked",
                lock_text=self.lock_text or "",
            )
        if self.status != "active":
            detail = "this customer is deactivated"
            if self.merged_into is not None:
                detail += f"; it was merged into customer {self.merged_into}"
            raise ApiError(409, "customer_inactive", detail)


# What a money operation reads, not the ~60 columns of SELECT *: it runs inside
# the commit lock, where every microsecond is paid by the whole batch.
_MONEY_COLUMNS = (
    "customer_number, display_name, status, blocked, lock_text, group_id, points_blocked,"
    " merged_into, discount_percent, net_mode, vat_id, type"
)


def load_for_money(conn: sqlite3.Connection, customer_id: int, config: Config) -> MoneyCustomer:
    """Load the customer a money operation is about (404 when unknown)."""
    row = _row(conn, customer_id, _MONEY_COLUMNS)
    group = _group(conn, row["group_id"])
    return MoneyCustomer(
        id=customer_id,
        customer_number=row["customer_number"],
        display_name=row["display_name"],
        status=row["status"],
        blocked=bool(row["blocked"]),
        lock_text=row["lock_text"],
        group_id=row["group_id"],
        effective_discount_percent=r.effective_discount(
            row, group["default_discount_percent"] if group else None
        ),
        points_blocked=bool(row["points_blocked"]),
        reverse_charge=r.reverse_charge(row, config.box.country),
        merged_into=row["merged_into"],
    )


# --- merge -----------------------------------------------------------------------

# Never copied from the source into empty target fields.
_NOT_MERGED = frozenset({"type", "customer_number", "social_security_number"}) | r.BOOL_FIELDS


def merge(
    conn: sqlite3.Connection, target_id: int, source_id: int, *, actor: str, now: str
) -> dict[str, Any]:
    """Move the source's cards, history and purchases to the target; deactivate the source.

    Balances move through journal entries (``edge.money.merge.move_balances``).
    """
    if target_id == source_id:
        raise ApiError(
            422,
            "validation_error",
            "a customer cannot be merged into itself",
            errors=[{"field": "source_id", "message": "same as the target"}],
        )
    target = _row(conn, target_id)
    source_row = conn.execute("SELECT * FROM customers WHERE id = ?", [source_id]).fetchone()
    if source_row is None:
        raise ApiError(
            404,
            "not_found",
            f"no customer {source_id}",
            errors=[{"field": "source_id", "message": "no such customer"}],
        )
    if source_row["merged_into"] is not None:
        raise ApiError(
            409,
            "conflict",
            f"customer {source_id} was already merged into {source_row['merged_into']}",
        )
    if target["status"] != "active":
        raise ApiError(409, "customer_inactive", "the merge target is deactivated")
    # Money moves only through the journal: Correction entries out of the
    # source and into the target (edge.money.merge), in this same transaction.
    from edge.money.merge import move_balances
    from edge.money.service import Actor

    moved_money = move_balances(
        conn,
        source_id,
        target_id,
        Actor(actor, now),
        source_number=source_row["customer_number"],
        target_number=target["customer_number"],
    )
    cards = conn.execute(
        "UPDATE cards SET customer_id = ? WHERE customer_id = ?", [target_id, source_id]
    ).rowcount
    moved_history = conn.execute(
        "UPDATE customer_history SET customer_id = ? WHERE customer_id = ?",
        [target_id, source_id],
    ).rowcount
    purchases = conn.execute(
        "UPDATE purchases SET customer_id = ? WHERE customer_id = ?", [target_id, source_id]
    ).rowcount
    # Fill the target's empty fields from the source: nothing the shop typed is lost.
    fill = {
        f: r.from_db(f, source_row[f])
        for f in r.ROW_FIELDS
        if f not in _NOT_MERGED and target[f] is None and source_row[f] is not None
    }
    if _memo(conn, target_id) is None:
        memo = _memo(conn, source_id)
        if memo is not None:
            fill["third_party_memo"] = memo
    filled: list[str] = []
    if fill:
        filled = update_customer_unchecked(conn, target_id, fill, actor=actor, now=now)
    log_change(conn, target_id, actor, now, "merged_from", None, source_row["customer_number"])
    conn.execute(
        "UPDATE customers SET status = 'inactive', merged_into = ?, updated_at = ?,"
        " updated_by = ? WHERE id = ?",
        [target_id, now, actor, source_id],
    )
    log_change(conn, source_id, actor, now, "merged_into", None, target["customer_number"])
    if source_row["status"] != "inactive":
        log_change(conn, source_id, actor, now, "status", source_row["status"], "inactive")
    return {
        "target_id": str(target_id),
        "source_id": str(source_id),
        "moved": {
            "cards": cards,
            "history": moved_history,
            "purchases": purchases,
            "cash": moved_money["cash"],
            "bonus": moved_money["bonus"],
            "points": moved_money["points"],
            "operation_id": moved_money["operation_id"],
        },
        "filled_fields": filled,
    }


def update_customer_unchecked(
    conn: sqlite3.Connection, customer_id: int, values: dict[str, Any], *, actor: str, now: str
) -> list[str]:
    """Write already-validated values (merge fills): same history and keys as PATCH."""
    row = _row(conn, customer_id)
    record = {f: r.from_db(f, row[f]) for f in r.ROW_FIELDS}
    record.update(values)
    keys = r.derived(record)
    cols = [f for f in values if f != "third_party_memo"]
    sets = [*cols, *r.KEY_COLUMNS, "updated_at", "updated_by"]
    args = [r.to_db(f, values[f]) for f in cols] + [keys[k] for k in r.KEY_COLUMNS] + [now, actor]
    conn.execute(
        f"UPDATE customers SET {', '.join(f'{c} = ?' for c in sets)} WHERE id = ?",
        [*args, customer_id],
    )
    if any(f in r.PHONE_FIELDS for f in cols):
        _index_phones(conn, customer_id, keys["phone_digits"], row["phone_digits"])
    if "third_party_memo" in values:
        conn.execute(
            "INSERT OR REPLACE INTO customer_third_party_memos (customer_id, text) VALUES (?, ?)",
            [customer_id, values["third_party_memo"]],
        )
    for f in values:
        old = _memo(conn, customer_id) if f == "third_party_memo" else r.from_db(f, row[f])
        log_change(
            conn, customer_id, actor, now, f, None if f == "third_party_memo" else old, values[f]
        )
    return list(values)


# --- permanent deletion ----------------------------------------------------------

_WITHOUT_REVENUE = """
    SELECT c.id FROM customers c
    WHERE NOT EXISTS (SELECT 1 FROM journal j WHERE j.customer_id = c.id)
      AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.id)
      AND NOT EXISTS (SELECT 1 FROM operations o WHERE o.customer_id = c.id)
      AND NOT EXISTS (SELECT 1 FROM balances b WHERE b.customer_id = c.id
                      AND (b.cash != 0 OR b.bonus != 0 OR b.points != 0))
      AND NOT EXISTS (SELECT 1 FROM customers m WHERE m.merged_into = c.id)
"""


def without_revenue_ids(conn: sqlite3.Connection, *, only_inactive: bool) -> list[int]:
    """Customers that may be removed for good: no journal entry, no purchase,
    no operation, no balance, and no merged record pointing at them."""
    sql = _WITHOUT_REVENUE + (" AND c.status = 'inactive'" if only_inactive else "")
    return [row[0] for row in conn.execute(sql)]


def purge_without_revenue(
    conn: sqlite3.Connection,
    *,
    dry_run: bool,
    expected_count: int | None,
    only_inactive: bool,
) -> dict[str, Any]:
    """Count (dry run) or delete customers without revenue.

    A real run must repeat the count its dry run showed (``expected_count``):
    if anything changed in between, nothing is deleted.
    """
    ids = without_revenue_ids(conn, only_inactive=only_inactive)
    if dry_run:
        return {"dry_run": True, "count": len(ids), "deleted": 0}
    if expected_count is None:
        raise ApiError(
            422,
            "validation_error",
            "run a dry run first and send its count as expected_count",
            errors=[{"field": "expected_count", "message": "required when dry_run is false"}],
        )
    if expected_count != len(ids):
        raise ApiError(
            409,
            "conflict",
            f"the dry run counted {expected_count}, now there are {len(ids)}; count again",
            count=len(ids),
        )
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS purge_ids (id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM purge_ids")
    conn.executemany("INSERT INTO purge_ids (id) VALUES (?)", [(i,) for i in ids])
    grams = conn.execute(
        "SELECT id, phone_digits FROM customers WHERE id IN (SELECT id FROM purge_ids)"
        " AND phone_digits != ''"
    ).fetchall()
    conn.executemany(
        "DELETE FROM customer_phone_grams WHERE gram = ? AND customer_id = ? AND digits = ?",
        [g for row in grams for g in r.gram_rows(row["id"], row["phone_digits"])],
    )
    conn.execute("DELETE FROM balances WHERE customer_id IN (SELECT id FROM purge_ids)")
    conn.execute("DELETE FROM customers WHERE id IN (SELECT id FROM purge_ids)")
    conn.execute("DELETE FROM purge_ids")
    return {"dry_run": False, "count": len(ids), "deleted": len(ids)}
