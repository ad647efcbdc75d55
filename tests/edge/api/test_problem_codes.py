"""Domain errors reach the API through one table (``edge.api.problems.STATUS``).

Every code the domain can raise must have a status there, or it would turn
into a 500: the codes are collected from the ``DomainError`` classes and from
the source (``DomainError("…")`` literals, ``code="…"`` keywords), so a new
kind or a new literal is covered without editing this file. And the domain
packages stay free of HTTP: none imports ``edge.api``, Flask or werkzeug.
"""

from __future__ import annotations

import ast
import importlib
import pickle
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import edge
from edge import ledger
from edge.api.problems import STATUS, problem, status_of
from edge.errors import CustomerBlocked, DomainError, FieldErrors, NotFound, Unavailable
from tests.support.paths import ROOT

DOMAIN = (
    "edge/customers",
    "edge/money",
    "edge/invoices",
    "edge/devices",
    "edge/ledger",
    "edge/errors.py",
)
RAISERS = (*DOMAIN, "edge/security", "edge/platform", "edge/serving", "edge/cli", "web")


def _sources(*where: str) -> Iterator[Path]:
    for w in where:
        path = ROOT / w
        yield from [path] if path.is_file() else sorted(path.rglob("*.py"))


def _subclasses(cls: type[DomainError]) -> Iterator[type[DomainError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _import_everything() -> None:
    for info in pkgutil.walk_packages(edge.__path__, "edge."):
        if not info.name.startswith("edge.cli"):
            importlib.import_module(info.name)


_ERROR_NAMES = {"DomainError", *(c.__name__ for c in _subclasses(DomainError))}


def _literal_codes(path: Path) -> Iterator[tuple[str, int, str]]:
    """``DomainError("code", …)`` and ``…(code="code")`` calls in one file."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if name == "DomainError" and node.args and isinstance(node.args[0], ast.Constant):
            yield str(path.relative_to(ROOT)), node.lineno, node.args[0].value
        for kw in node.keywords:
            if kw.arg == "code" and isinstance(kw.value, ast.Constant) and name in _ERROR_NAMES:
                yield str(path.relative_to(ROOT)), node.lineno, kw.value.value


def test_every_error_class_code_has_a_status() -> None:
    _import_everything()
    # A class without a code is a base (LedgerError) or takes its code (FieldErrors).
    classes = [c for c in _subclasses(DomainError) if hasattr(c, "code")]
    assert len(classes) >= 20  # the kinds of edge.errors and the core's refusals
    missing = {c.__qualname__: c.code for c in classes if c.code not in STATUS}
    assert not missing, f"add these codes to edge.api.problems.STATUS: {missing}"


def test_every_literal_code_in_the_source_has_a_status() -> None:
    assert "FieldErrors" in _ERROR_NAMES
    found = [hit for path in _sources(*RAISERS) for hit in _literal_codes(path)]
    assert any(code == "insufficient_funds" for *_, code in found)  # checkout's own refusal
    missing = [hit for hit in found if hit[2] not in STATUS]
    assert not missing, f"add these codes to edge.api.problems.STATUS: {missing}"


def test_an_unmapped_code_is_a_loud_error_not_a_silent_500() -> None:
    with pytest.raises(LookupError, match="no_such_code"):
        status_of(DomainError("no_such_code", "made up"))


def test_the_domain_imports_no_http() -> None:
    offenders = []
    for path in _sources(*DOMAIN):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                if name.split(".")[0] in ("flask", "werkzeug") or name.startswith("edge.api"):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert not offenders


def test_customers_never_import_money() -> None:
    hits = [
        str(p.relative_to(ROOT))
        for p in _sources("edge/customers")
        if "edge.money" in {getattr(n, "module", None) for n in ast.walk(ast.parse(p.read_text()))}
        or "from edge import money" in p.read_text()
    ]
    assert not hits


# ------------------------------------------------------------ the mapping --


def test_kinds_map_to_their_problem() -> None:
    err = problem(CustomerBlocked("Hausverbot", lock_text="Hausverbot"))
    assert (err.status, err.code, err.detail) == (409, "customer_blocked", "Hausverbot")
    assert err.to_dict()["lock_text"] == "Hausverbot"
    assert problem(NotFound("no customer 7")).to_dict()["status"] == 404
    unavailable = problem(Unavailable("send it again"))
    assert (unavailable.status, unavailable.headers) == (503, {"Retry-After": "1"})


def test_field_errors_keep_their_fields_and_code() -> None:
    errors = [{"field": f"f{i}", "message": "bad"} for i in range(7)]
    err = problem(FieldErrors(errors))
    assert (err.status, err.code, err.errors) == (422, "validation_error", errors)
    assert err.detail.count(";") == 4  # the sentence names the first five
    taken = problem(FieldErrors(errors[:1], code="conflict"))
    assert (taken.status, taken.code) == (409, "conflict")


@pytest.mark.parametrize(
    ("call", "status", "code", "field"),
    [
        (lambda: ledger.topup(0, 0, -5), 422, "validation_error", "amount"),
        (lambda: ledger.topup(0, 0, 600, max_topup=500), 422, "limit_exceeded", None),
        (lambda: ledger.settle(0, 0, 5), 409, "insufficient_funds", None),
        (lambda: ledger.void_topup(9, 0, topup_amount=9, topup_bonus=0, already_voided=True),
         409, "conflict", None),
        (lambda: ledger.price_basket([{"unit_price": 1, "quantity": "1,5", "vat_rate_bp": 700}], 0),
         422, "validation_error", "lines.0.quantity"),
    ],
)  # fmt: skip
def test_core_refusals_carry_their_code_and_field(call, status, code, field) -> None:
    with pytest.raises(ledger.LedgerError) as info:
        call()
    err = problem(info.value)
    assert (err.status, err.code) == (status, code)
    assert [e["field"] for e in err.errors] == ([field] if field else [])
    body = err.to_dict()
    # The numbers are members, as they were before the one mapping (message, details too).
    assert body["details"] == info.value.numbers and body["message"] == str(info.value)
    assert all(body[k] == v for k, v in info.value.numbers.items())


def test_domain_errors_survive_pickling() -> None:
    err = CustomerBlocked("gesperrt", lock_text="gesperrt")
    copy = pickle.loads(pickle.dumps(err))
    assert (type(copy), copy.code, copy.lock_text, str(copy)) == (
        CustomerBlocked,
        "customer_blocked",
        "gesperrt",
        "gesperrt",
    )


def test_an_unreadable_journal_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(ledger.StoreError) as info:
        ledger.verify_journal(tmp_path / "missing.sqlite")
    assert isinstance(info.value, RuntimeError) and info.value.code in STATUS
