"""One import row → one record, applied through the customer service.

A row's values are checked by the same pydantic model and normalisation as
the API (:class:`~edge.customers.fields.CustomerFields`,
:func:`~edge.customers.validate.normalize_fields`) and written by the same
``create_customer`` / ``update_customer``; each row is its own ``db.write``,
so it is saved whole or not at all. Rows are matched by customer number. A
dry run runs exactly that code and rolls the row back, so the real run
writes what the dry run reported; given the dry run's outcomes
(``expected``), a row whose outcome has changed since is rolled back and
reported, never written. Duplicates (SPEC §6) are refused with their
candidates, never merged.
"""

from __future__ import annotations

import sqlite3
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from edge.customers import service
from edge.customers.fields import CustomerFields
from edge.customers.io.columns import COLUMNS, READ_ONLY, field_of, header_fields, split_street
from edge.customers.io.export import FORMULA_START
from edge.customers.io.reader import read_rows
from edge.customers.validate import normalize_fields
from edge.errors import DomainError, DuplicateCustomer
from edge.platform.box import Box
from edge.platform.clock import now_iso

Outcome = Literal["created", "updated", "unchanged", "refused", "duplicate"]
OUTCOMES: tuple[Outcome, ...] = ("created", "updated", "unchanged", "refused", "duplicate")
REPORT_HEADER = ("row", "outcome", "customer_number", "errors", "duplicate_of")
KINDS = {c.field: c.kind for c in COLUMNS}
WRITABLE = frozenset(CustomerFields.model_fields) - {"third_party_memo"}
TRUE = {"1", "true", "yes", "ja", "wahr", "x"}
FALSE = {"0", "false", "no", "nein", "falsch", ""}


@dataclass(slots=True)  # a 100,000-row report is held in memory
class RowResult:
    row: int
    outcome: Outcome
    customer_number: int | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)  # customer numbers
    dry_run: Outcome | None = None  # set when the real run differs: not written

    def ok(self) -> bool:
        return self.outcome not in ("refused", "duplicate")


class _RollBack(Exception):
    def __init__(self, result: RowResult) -> None:
        self.result = result


def _cell(kind: str, v: Any) -> Any:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, str):
        v = v.strip()
        if v.startswith("'") and v[1:].startswith(FORMULA_START):
            v = v[1:]  # the export's guard against formulas
    if kind == "int":
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return int(v) if isinstance(v, int) or str(v).lstrip("-").isdigit() else v
    if kind == "bool":
        text = str(v).strip().lower()
        return True if text in TRUE else False if text in FALSE else v
    if kind == "date" and isinstance(v, datetime):
        return v.date()
    if isinstance(v, float | int) and not isinstance(v, bool):
        return str(int(v)) if float(v).is_integer() else str(v)
    if isinstance(v, date):
        return v.isoformat()
    return v


def values_of(raw: dict[str, Any], known: dict[str, str]) -> dict[str, Any]:
    """The record fields a row fills (unmapped and read-only columns ignored)."""
    out: dict[str, Any] = {}
    for header, v in raw.items():
        name = field_of(str(header or ""), known, WRITABLE | {"street"} | READ_ONLY)
        if name is None or name in READ_ONLY:
            continue
        value = _cell(KINDS.get(name, "text"), v)
        if KINDS.get(name) == "street":
            out["street"], out["house_number"] = split_street(value) if value else (None, None)
        elif value is not None or KINDS.get(name) != "bool":
            out[name] = value
    return out


def apply_row(
    conn: sqlite3.Connection, n: int, values: dict[str, Any], *, box: Box, actor: str
) -> RowResult:
    """Create or update one row's customer (the caller's transaction)."""
    number = values.get("customer_number")
    row = None
    if isinstance(number, int):
        row = conn.execute(
            "SELECT id FROM customers WHERE customer_number = ?", [number]
        ).fetchone()
    now = now_iso()
    if row is not None:
        sent = {k: v for k, v in values.items() if k != "customer_number"}
        changed = service.update_customer(
            conn, row["id"], sent, config=box.config, actor=actor, now=now
        )
        return RowResult(n, "updated" if changed else "unchanged", number)
    cid = service.create_customer(conn, values, config=box.config, actor=actor, now=now)
    made = conn.execute("SELECT customer_number FROM customers WHERE id = ?", [cid]).fetchone()
    return RowResult(n, "created", made[0])


def check_row(box: Box, n: int, raw: dict[str, Any], known: dict[str, str]) -> dict[str, Any]:
    """The row's values as the API would accept them, or raise ``DomainError``."""
    values = values_of(raw, known)
    try:
        sent = CustomerFields.model_validate(values).model_dump(exclude_unset=True)
    except ValidationError as e:
        errors = [
            {"field": ".".join(str(p) for p in x["loc"]) or "row", "message": x["msg"]}
            for x in e.errors(include_url=False)
        ]
        raise DomainError("validation_error", "row refused", errors=errors) from e
    return normalize_fields(sent, box.config.box.country, service.today_utc())


Expected = Callable[[int], Outcome | None]  # row number → the dry run's outcome


def import_file(
    box: Box,
    path: Path,
    *,
    dry_run: bool,
    mapping: dict[str, str] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    progress: Callable[[int], None] = lambda n: None,
    name: str | None = None,
    expected: Expected | None = None,
) -> Iterator[RowResult]:
    """Every row's outcome, in file order; writes only when not ``dry_run``.

    History names the actor ``import <name>`` (default: the file's name). With
    ``expected``, a row is written only if its outcome is the one expected.
    """
    known = header_fields(mapping)
    actor = f"import {name or path.name}"
    seen: dict[int, int] = {}  # customer number → first row: a repeat would differ in a dry run
    for i, (n, raw) in enumerate(read_rows(path, delimiter=delimiter, encoding=encoding), 1):
        progress(i)
        want = expected(n) if expected is not None else None
        try:
            values = check_row(box, n, raw, known)
        except DomainError as e:
            errors = e.errors or [{"field": "row", "message": e.detail}]
            yield _compare(RowResult(n, "refused", None, errors), expected, want)
            continue
        number = values.get("customer_number")
        if number is not None and number in seen:
            msg = f"customer number repeated (row {seen[number]})"
            result = RowResult(n, "refused", number, [{"field": "customer_number", "message": msg}])
            yield _compare(result, expected, want)
            continue
        if number is not None:
            seen[number] = n
        result = _write(box, n, values, actor=actor, dry_run=dry_run, want=want,
                        check=expected is not None)  # fmt: skip
        yield _compare(result, expected, want)


def _compare(r: RowResult, expected: Expected | None, want: Outcome | None) -> RowResult:
    """The real run's row, marked when its outcome is not the dry run's."""
    if expected is None or r.outcome == want:
        return r
    message = f"the dry run said {want or 'nothing'}, now {r.outcome}: not imported"
    return RowResult(r.row, "refused", r.customer_number,
                     [*r.errors, {"field": "row", "message": message}], r.candidates,
                     dry_run=want or "refused")  # fmt: skip


def _write(
    box: Box,
    n: int,
    values: dict[str, Any],
    *,
    actor: str,
    dry_run: bool,
    want: Outcome | None = None,
    check: bool = False,
) -> RowResult:
    number = values.get("customer_number")

    def txn(conn: sqlite3.Connection) -> RowResult:
        result = apply_row(conn, n, values, box=box, actor=actor)
        if dry_run or (check and result.outcome != want):
            raise _RollBack(result)  # the writer rolls this row's savepoint back
        return result

    try:
        return box.db.write(txn)
    except _RollBack as rb:
        if rb.result.outcome == "created" and number is None:
            rb.result.customer_number = None  # the real run allocates its own
        return rb.result
    except DuplicateCustomer as e:
        nums = [str(c["customer_number"]) for c in e.candidates]
        return RowResult(n, "duplicate", number, [{"field": "row", "message": e.detail}], nums)
    except DomainError as e:
        errors = e.errors or [{"field": "row", "message": e.detail}]
        return RowResult(n, "refused", number, errors)


def parse_mapping(text: str) -> dict[str, str]:
    """A mapping TOML file's ``[columns]`` "file header" = "field"; ValueError if not."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(str(e)) from e
    columns = data.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise ValueError('expected [columns] with "header" = "field" lines')
    return columns


def report_line(r: RowResult) -> list[str]:
    """One row of the downloadable report (CSV)."""
    errors = "; ".join(f"{e['field']}: {e['message']}" for e in r.errors)
    number = "" if r.customer_number is None else str(r.customer_number)
    return [str(r.row), r.outcome, number, errors, " ".join(r.candidates)]
