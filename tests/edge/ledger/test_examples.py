"""SPEC numbers through the ``edge.ledger`` façade, errors with their numbers,
and the journal (hashing, verification from SQLite files)."""

from __future__ import annotations

import pickle
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from edge import ledger as L

from . import journal_gen
from . import reference_model as M

TIERS = [{"from": 0, "rate_bp": 0}, {"from": 2000, "rate_bp": 500}, {"from": 5000, "rate_bp": 1000}]


def entries(result: object) -> list[tuple[object, ...]]:
    return [
        (p.code, p.account, p.amount, p.cash_after, p.bonus_after, p.points_after)
        for p in result.entries  # type: ignore[attr-defined]
    ]


# ------------------------------------------------------------------ money --


def test_half_up_rounding() -> None:
    assert L.apply_percent(1005, 10) == 101
    assert L.apply_percent(1004, 10) == 100
    assert L.apply_bp(5, 1000) == 1
    assert L.MAX_AMOUNT == 10**12


# ------------------------------------------------------------- operations --


def test_topup_with_tiers_from_config() -> None:
    r = L.topup(0, 0, 5000, tiers=TIERS, max_topup=50000)
    assert (r.bonus, r.rate_bp, r.cash_after, r.bonus_after) == (500, 1000, 5000, 500)
    assert entries(r) == [(0, "cash", 5000, 5000, 0, None), (3, "bonus", 500, 5000, 500, None)]
    r = L.topup(0, 0, 1999, tiers=[(0, 0), (2000, 500)])
    assert entries(r) == [(0, "cash", 1999, 1999, 0, None)]
    assert L.topup(0, 0, 1005, tiers=[(0, 1000)]).bonus == 101


def test_topup_limits_carry_numbers() -> None:
    with pytest.raises(L.LimitExceeded) as e:
        L.topup(0, 0, 50001, max_topup=50000)
    assert (e.value.limit, e.value.maximum, e.value.value) == ("max_topup", 50000, 50001)
    assert e.value.code == "limit_exceeded"
    with pytest.raises(L.LimitExceeded) as e:
        L.topup(901, 0, 1000, tiers=[(0, 1000)], max_balance=2000)
    assert (e.value.limit, e.value.maximum, e.value.value) == ("max_balance", 2000, 2001)
    with pytest.raises(L.InvalidAmount):
        L.topup(0, 0, 0)
    with pytest.raises(L.Overflow):
        L.topup(0, 0, 10**12 + 1)
    with pytest.raises(OverflowError):  # Overflow is an OverflowError too
        L.topup(10**12, 0, 1)


def test_settle_bonus_first_and_insufficient() -> None:
    s = L.settle(1000, 300, 500)
    assert (s.from_bonus, s.from_cash, s.remaining, s.taken) == (300, 200, 0, 500)
    assert entries(s) == [(4, "bonus", -300, 1000, 0, None), (1, "cash", -200, 800, 0, None)]
    with pytest.raises(L.InsufficientFunds) as e:
        L.settle(199, 300, 500)
    err = e.value
    assert (err.amount, err.cash, err.bonus, err.available, err.remaining) == (
        500,
        199,
        300,
        499,
        1,
    )
    assert err.details["remaining"] == 1
    s = L.settle(100, 300, 500, allow_partial=True)
    assert (s.from_bonus, s.from_cash, s.remaining, s.cash_after, s.bonus_after) == (
        300,
        100,
        100,
        0,
        0,
    )


def test_partial_payment_that_can_take_nothing_is_refused() -> None:
    """An allow_partial payment on empty balances would be an operation
    without entries: refused like any uncovered payment, in core and model."""
    for amount in (1, 500):
        with pytest.raises(L.InsufficientFunds) as e:
            L.settle(0, 0, amount, allow_partial=True)
        err = e.value
        assert err.code == "insufficient_funds"
        assert (err.account, err.amount, err.available, err.remaining) == (
            "cash+bonus",
            amount,
            0,
            amount,
        )
        with pytest.raises(M.ModelError) as m:
            M.settle(0, 0, amount, allow_partial=True)
        assert m.value.kind == "InsufficientFunds"
        assert m.value.details["remaining"] == amount
    # one unit of either balance is something to take
    assert L.settle(0, 1, 500, allow_partial=True).remaining == 499
    assert L.settle(1, 0, 500, allow_partial=True).remaining == 499


def test_refund_cash_first_and_cap() -> None:
    r = L.refund(800, 0, paid_cash=200, paid_bonus=300, amount=250)
    assert (r.to_cash, r.to_bonus) == (200, 50)
    assert entries(r) == [(1, "cash", 200, 1000, 0, None), (4, "bonus", 50, 1000, 50, None)]
    with pytest.raises(L.RefundExceedsPayment) as e:
        L.refund(0, 0, paid_cash=200, paid_bonus=300, amount=401, restored_cash=100)
    assert (e.value.refundable, e.value.paid, e.value.restored) == (400, 500, 100)


def test_points_clawback() -> None:
    c = L.points_clawback(100, earned=25, paid_total=1000, refunded=500)
    assert (c.due, c.taken, c.shortfall, c.points_after) == (13, 13, 0, 87)
    assert entries(c) == [(0, "points", -13, None, None, 87)]
    c = L.points_clawback(5, earned=25, paid_total=1000, refunded=1000)
    assert (c.taken, c.shortfall) == (5, 20)


def test_void_payout_correction() -> None:
    v = L.void_topup(5000, 500, topup_amount=5000, topup_bonus=500)
    assert entries(v) == [(0, "cash", -5000, 0, 500, None), (3, "bonus", -500, 0, 0, None)]
    with pytest.raises(L.AlreadyVoided):
        L.void_topup(5000, 500, topup_amount=5000, topup_bonus=500, already_voided=True)
    with pytest.raises(L.InsufficientFunds) as e:
        L.void_topup(4000, 500, topup_amount=5000, topup_bonus=500)
    assert (e.value.account, e.value.remaining) == ("cash", 1000)
    p = L.payout(700, 300, 700)
    assert entries(p) == [(5, "cash", -700, 0, 300, None)]
    with pytest.raises(L.InsufficientFunds):
        L.payout(700, 300, 701)
    c = L.correction(100, 50, 10, account="points", amount=-10, reason="typo")
    assert entries(c) == [(2, "points", -10, None, None, 0)]
    with pytest.raises(L.MissingReason):
        L.correction(100, 50, 10, account="cash", amount=5, reason=" ")
    with pytest.raises(L.InsufficientFunds):
        L.correction(100, 50, 10, account="bonus", amount=-51, reason="x")
    with pytest.raises(L.InvalidInput):
        L.correction(100, 50, 10, account="euro", amount=5, reason="x")


def test_points_earn_and_redeem() -> None:
    assert L.points_earned(1999, 1) == 19
    assert L.points_earned(1999, 1, True) == 0
    e = L.earn_points(5, 1000)
    assert (e.value, e.points_after) == (10, 15)
    r = L.redeem_points(100, 40, basket_total=1000, point_value=5)
    assert (r.value, r.points_after) == (200, 60)
    assert entries(r) == [(1, "points", -40, None, None, 60)]
    with pytest.raises(L.InsufficientPoints) as e2:
        L.redeem_points(500, 100, basket_total=199, point_value=2)
    assert e2.value.maximum == 99
    with pytest.raises(L.PointsBlocked):
        L.redeem_points(500, 1, basket_total=199, blocked=True)


def test_errors_pickle_and_share_a_base() -> None:
    with pytest.raises(L.LedgerError) as raised:
        L.settle(0, 0, 5)
    e = raised.value
    copy = pickle.loads(pickle.dumps(e))
    assert type(copy) is L.InsufficientFunds
    assert copy.remaining == 5
    assert str(copy) == str(e)


# ---------------------------------------------------------------- pricing --


def test_discount_cascade_helper() -> None:
    assert L.effective_discount(5, 20) == 5
    assert L.effective_discount(0, 20) == 0
    assert L.effective_discount(None, 20) == 20
    assert L.effective_discount(None, None) == 0
    for bad in (12.5, 101, -1, "10", True):
        with pytest.raises(L.InvalidDiscount):
            L.effective_discount(bad)  # type: ignore[arg-type]


@dataclass
class LineModel:
    unit_price: int
    quantity: str
    vat_rate_bp: int
    discountable: bool = True


def test_price_basket_accepts_tuples_dicts_and_objects() -> None:
    as_tuples = [(1005, "1", 1900), (199, "1.255", 700, False)]
    as_dicts = [
        {"unit_price": 1005, "quantity": "1", "vat_rate_bp": 1900},
        {"unit_price": 199, "quantity": "1.255", "vat_rate_bp": 700, "discountable": False},
    ]
    as_objects = [LineModel(1005, "1", 1900), LineModel(199, "1.255", 700, False)]
    results = [L.price_basket(x, 10) for x in (as_tuples, as_dicts, as_objects)]
    for b in results:
        assert [(x.gross, x.discount_percent, x.discount, x.total) for x in b.lines] == [
            (1005, 10, 101, 904),
            (250, 0, 0, 250),
        ]
        assert [(v.rate_bp, v.net, v.vat, v.gross) for v in b.vat] == [
            (700, 234, 16, 250),
            (1900, 760, 144, 904),
        ]
        assert (b.subtotal, b.total, b.points_earned, b.discount_total) == (1154, 1154, 11, 101)


def test_net_mode_and_points() -> None:
    b = L.price_basket([(1190, "1", 1900), (1005, "1", 1900)], 10, net_mode=True)
    assert [x.total for x in b.lines] == [900, 760]
    assert [(v.net, v.vat) for v in b.vat] == [(1660, 0)]
    b = L.price_basket(
        [(1000, "2", 1900)], 10, points_to_redeem=100, points_balance=150, point_value=2
    )
    assert (b.subtotal, b.points_redeemed, b.points_value, b.total, b.points_earned) == (
        1800,
        100,
        200,
        1600,
        16,
    )


def test_quantity_errors_name_the_line() -> None:
    for bad in ("1.2555", "abc", "", "-1", "1,5", 1.5, None, "0"):
        with pytest.raises(L.InvalidQuantity) as e:
            L.price_basket([(100, "1", 1900), (100, bad, 1900)])
        assert e.value.line == 1
        assert "line 1" in str(e.value)
    assert L.parse_quantity("1.255") == 1255
    assert L.parse_quantity(3) == 3000
    with pytest.raises(L.InvalidDiscount):
        L.price_basket([(100, "1", 1900)], 12.5)  # type: ignore[arg-type]
    with pytest.raises(L.InvalidInput):
        L.price_basket([(100, "1")])
    with pytest.raises(L.InvalidRate):
        L.price_basket([(100, "1", 20000)])


def test_priced_lines_and_vat_lines_show_their_numbers() -> None:
    b = L.price_basket([(1005, "1", 1900)], 10)
    line = "PricedLine(gross=1005, discount_percent=10, discount=101, total=904)"
    assert repr(b.lines[0]) == line
    assert repr(b.vat[0]) == "VatLine(rate_bp=1900, net=760, vat=144, gross=904, points_share=0)"
    assert b.lines[0] == L.price_basket([(1005, "1", 1900)], 10).lines[0]


def test_empty_basket() -> None:
    b = L.price_basket([])
    assert (b.total, b.lines, b.vat, b.points_earned) == (0, (), (), 0)


# ---------------------------------------------------------------- journal --

ROW = (1, 7, 1, 0, "cash", 5000, 5000, 0, None, "R1", "pos-1", None, None, "2026-01-01T00:00:00Z")


def test_encoding_matches_the_documented_layout() -> None:
    assert L.encode_entry(*ROW) == M.encode_entry(*ROW)
    h = L.entry_hash(L.GENESIS_HASH, *ROW)
    assert h == M.entry_hash(M.GENESIS, *ROW)
    assert L.chain_hashes(L.GENESIS_HASH, [ROW]) == [h]
    assert len(h) == 32
    with pytest.raises(L.InvalidInput):
        L.entry_hash(b"short", *ROW)


def test_entry_row_from_a_posting() -> None:
    s = L.settle(1000, 300, 500)
    rows = [
        L.entry_row(
            p,
            seq=i + 1,
            customer_id=7,
            operation_id=3,
            actor="pos-1",
            created_at="2026-11-24T00:00:00Z",
            receipt_no="R9",
        )
        for i, p in enumerate(s.entries)
    ]
    assert rows[0] == (
        1,
        7,
        3,
        4,
        "bonus",
        -300,
        1000,
        0,
        None,
        "R9",
        "pos-1",
        None,
        None,
        "2026-11-24T00:00:00Z",
    )
    assert dict(zip(L.JOURNAL_COLUMNS, rows[1], strict=True))["cash_after"] == 800
    hashes = L.chain_hashes(L.GENESIS_HASH, rows)
    assert hashes[1] == L.entry_hash(hashes[0], *rows[1])
    # a journal that starts from the customer's balances 1000/300 does not
    # replay from zero: the verifier says so at the first entry
    r = L.verify_entries([(*row, h) for row, h in zip(rows, hashes, strict=True)])
    assert (r.ok, r.first_bad_seq) == (False, 1)


def test_verify_entries_in_memory() -> None:
    rows, bal = journal_gen.make_rows(500, 20)
    hashed = journal_gen.hashed(rows)
    r = L.verify_entries(hashed, bal)
    assert r.ok, r.reason
    assert (r.entries_checked, r.customers) == (500, len(bal))
    assert r.head_hash == hashed[-1][-1]
    bad = list(hashed)
    bad[100] = (*bad[100][:5], bad[100][5] + 1, *bad[100][6:])
    r = L.verify_entries(bad, bal)
    assert (r.ok, r.first_bad_seq, r.entries_checked) == (False, 101, 100)
    ref = M.verify_rows(bad, bal)
    assert (ref["ok"], ref["first_bad_seq"]) == (False, 101)


def test_verify_entries_names_a_deleted_entry_as_missing() -> None:
    rows, bal = journal_gen.make_rows(500, 20)
    hashed = journal_gen.hashed(rows)
    for gone, want in (
        ([100], "entry 101 missing (the next entry has seq 102)"),
        ([0], "entry 1 missing (the next entry has seq 2)"),
        ([100, 101, 102], "entries 101 to 103 missing (the next entry has seq 104)"),
    ):
        kept = [row for i, row in enumerate(hashed) if i not in gone]
        r = L.verify_entries(kept, bal)
        assert (r.ok, r.first_bad_seq, r.bad_customer, r.reason) == (False, gone[0] + 1, None, want)
        assert r.entries_checked == gone[0]
        ref = M.verify_rows(kept, bal)
        assert (ref["ok"], ref["first_bad_seq"], ref["bad_customer"]) == (False, gone[0] + 1, None)


def _db(
    tmp_path: Path, n: int, customers: int = 50
) -> tuple[Path, dict[int, tuple[int, int, int]]]:
    path = tmp_path / "journal.sqlite"
    bal = journal_gen.make_db(path, n, customers)
    return path, bal


def _tamper(path: Path, sql: str, *args: object) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(sql, args)
    conn.close()


METHODS = [(m, t) for m in ("pages", "sql") for t in (1, 2)]


@pytest.mark.parametrize(("method", "threads"), METHODS)
def test_verify_journal_file(tmp_path: Path, method: str, threads: int) -> None:
    path, bal = _db(tmp_path, 3000)
    seen: list[int] = []
    r = L.verify_journal(path, seen.append, threads=threads, method=method)
    assert r.ok, r.reason
    assert r.reader == method
    assert (r.entries_checked, r.customers, r.balances_checked) == (3000, len(bal), len(bal))
    assert r.last_seq == 3000
    assert seen == [3000]
    ref = M.verify_db(str(path))
    assert ref["ok"] and ref["head_hash"] == r.head_hash


def _all_agree(path: Path) -> tuple[bool, int | None, int | None, int]:
    """Every reader and thread count gives the same verdict; returns it."""
    results = {(m, t): L.verify_journal(path, threads=t, method=m) for m, t in METHODS}
    verdicts = {
        (r.ok, r.first_bad_seq, r.bad_customer, r.entries_checked) for r in results.values()
    }
    assert len(verdicts) == 1, results
    return verdicts.pop()


def test_verify_journal_finds_tampering(tmp_path: Path) -> None:
    path, bal = _db(tmp_path, 2000)
    cid = next(iter(bal))
    _tamper(path, "UPDATE balances SET cash = cash + 1 WHERE customer_id = ?", cid)
    assert _all_agree(path)[:3] == (False, None, cid)
    _tamper(path, "UPDATE balances SET cash = cash - 1 WHERE customer_id = ?", cid)
    assert _all_agree(path)[0]
    _tamper(path, "UPDATE journal SET actor = 'mallory' WHERE seq = 1234")
    ok, seq, _cid, checked = _all_agree(path)
    assert (ok, seq, checked) == (False, 1234, 1233)
    r = L.verify_journal(path)
    assert "hash" in (r.reason or "")
    assert M.verify_db(str(path))["first_bad_seq"] == 1234
    # a wrong *_after with a recomputed chain: found by the replay
    _tamper(path, "UPDATE journal SET actor = 'pos-1' WHERE seq = 1234")
    assert _all_agree(path)[0]
    # deleted entries, inside the journal or its first: named as missing
    _tamper(path, "DELETE FROM journal WHERE seq = 700")
    assert _all_agree(path) == (False, 700, None, 699)
    assert "entry 700 missing" in (L.verify_journal(path).reason or "")
    _tamper(path, "DELETE FROM journal WHERE seq = 1")
    assert _all_agree(path) == (False, 1, None, 0)
    assert M.verify_db(str(path))["first_bad_seq"] == 1


def test_verify_journal_types_and_overflow_pages(tmp_path: Path) -> None:
    """Long texts (overflow pages) and wrong column types read alike."""
    rows, bal = journal_gen.make_rows(400, 5)
    rows[100] = (*rows[100][:11], "x" * 20_000, *rows[100][12:])
    rows[200] = (*rows[200][:10], "ü" * 5000, *rows[200][11:])
    path = tmp_path / "long.sqlite"
    journal_gen.write_db(path, journal_gen.hashed(rows), bal)
    assert _all_agree(path) == (True, None, None, 400)
    _tamper(path, "UPDATE journal SET amount = CAST(amount AS TEXT) || 'x' WHERE seq = 300")
    ok, seq, _cid, checked = _all_agree(path)
    assert (ok, seq, checked) == (False, 300, 299)


def test_verify_journal_with_live_wal_falls_back_to_sql(tmp_path: Path) -> None:
    path, _bal = _db(tmp_path, 500)
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    with writer:  # a committed change that stays in the WAL
        writer.execute("INSERT INTO balances VALUES (999999, 0, 0, 0)")
    try:
        r = L.verify_journal(path)
        assert (r.ok, r.reader) == (True, "sql")
        with pytest.raises(RuntimeError):
            L.verify_journal(path, method="pages")
    finally:
        writer.close()
    with pytest.raises(L.InvalidInput):
        L.verify_journal(path, method="fast")


def test_verify_journal_across_chunks_with_threads(tmp_path: Path) -> None:
    n = 140_000  # three chunks of 65,536
    path, _bal = _db(tmp_path, n, 500)
    calls: list[int] = []
    r = L.verify_journal(path, calls.append, threads=2, method="sql")
    assert r.ok, r.reason
    assert calls == [65536, 131072, n]
    calls = []
    r = L.verify_journal(path, calls.append, threads=2, method="pages")
    assert r.ok, r.reason
    assert len(calls) >= 3 and calls[-1] == n
    assert _all_agree(path) == (True, None, None, n)
    # a deleted row at a chunk boundary breaks the chain at the next one, but
    # the deleted row is what every reader names
    _tamper(path, "DELETE FROM journal WHERE seq = 65536")
    assert _all_agree(path) == (False, 65536, None, 65535)
    assert L.verify_journal(path).reason == "entry 65536 missing (the next entry has seq 65537)"
    assert M.verify_db(str(path))["first_bad_seq"] == 65536


def test_verify_journal_progress_can_stop(tmp_path: Path) -> None:
    path, _ = _db(tmp_path, 100)

    def boom(n: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        L.verify_journal(path, boom)
    with pytest.raises(RuntimeError):
        L.verify_journal(tmp_path / "missing.sqlite")


def test_verify_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    journal_gen.write_db(path, [], {})
    r = L.verify_journal(path)
    assert (r.ok, r.entries_checked, r.head_hash) == (True, 0, L.GENESIS_HASH)


def test_verify_real_schema(tmp_path: Path) -> None:
    """The verifier reads a database built by the product's migrations."""
    from edge.platform import migrations

    path = tmp_path / "box.sqlite"
    migrations.apply(path)
    rows, bal = journal_gen.make_rows(300, 10)
    conn = sqlite3.connect(path)
    with conn:
        ops = sorted({r[2] for r in rows})
        conn.executemany(
            "INSERT INTO operations (id, kind, customer_id, amount, actor, created_at) "
            "VALUES (?, 'test', 0, 0, 'pos', '2026')",
            [(o,) for o in ops],
        )
        conn.executemany(journal_gen.INSERT, journal_gen.hashed(rows))
        conn.executemany("INSERT INTO balances VALUES (?,?,?,?)", [(c, *b) for c, b in bal.items()])
    conn.close()
    r = L.verify_journal(path)
    assert r.ok, r.reason
    assert r.entries_checked == 300


def test_settle_batch() -> None:
    b = L.settle_batch([100, 0, 50, 10], [50, 0, 0, 0], [120, 10, 60, 0])
    assert len(b) == 4
    assert list(b.status) == [0, 1, 1, 2]
    assert (b.settled, b.refused, b.invalid) == (1, 2, 1)
    assert (b.from_bonus, b.from_cash) == ([50, 0, 0, 0], [70, 0, 0, 0])
    # with allow_partial row 1 (10 from empty balances) is still refused
    b = L.settle_batch([100, 0, 50, 10], [50, 0, 0, 0], [120, 10, 60, 0], allow_partial=True)
    assert list(b.status) == [0, 1, 0, 2]
    assert (b.settled, b.refused, b.invalid) == (2, 1, 1)
    assert (b.total_remaining, b.remaining) == (10, [0, 0, 10, 0])
    with pytest.raises(TypeError):
        L.settle_batch([1], [1, 2], [1])
