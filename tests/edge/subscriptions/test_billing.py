"""The billing run with real dates (BACKOFFICE §10): each period invoiced
once on its first day, with its own dates; catch-up after downtime; pauses
skip; cancellation at the period's end; a second or concurrent run bills
nothing twice — checked in the database."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, timedelta

import pytest

from edge.errors import FieldErrors
from edge.invoices.dunning import dunning_run
from edge.subscriptions import store
from edge.subscriptions.billing import bill
from tests.edge.subscriptions.conftest import at


def run(box, day: date, **kw):  # type: ignore[no-untyped-def]
    return bill(box.db, box.config, at(day), day, **kw)


def periods(box) -> list[tuple[int, str, str, str]]:  # type: ignore[no-untyped-def]
    return [
        tuple(r)
        for r in box.db.reader().execute(
            "SELECT p.subscription_id, p.period_start, p.period_end, i.number"
            " FROM subscription_periods p JOIN invoices i ON i.id = p.invoice_id"
            " ORDER BY p.id"
        )
    ]


def assert_exactly_once(box) -> None:  # type: ignore[no-untyped-def]
    conn = box.db.reader()
    doubled = conn.execute(
        "SELECT subscription_id, period_start, count(*) FROM subscription_periods"
        " GROUP BY 1, 2 HAVING count(*) > 1"
    ).fetchall()
    assert doubled == []
    (invoices,) = conn.execute("SELECT count(*) FROM invoices").fetchone()
    (rows,) = conn.execute("SELECT count(*) FROM subscription_periods").fetchone()
    assert invoices == rows  # no invoice without its period, none billed twice
    numbers = sorted(r[0] for r in conn.execute("SELECT number FROM invoices"))
    year = {n.split("-")[1] for n in numbers}
    assert len(year) <= 1
    assert numbers == [f"RE-{y}-{i:05d}" for y in year for i in range(1, len(numbers) + 1)]


def test_a_start_on_31_january_bills_28_february_31_march_30_april(box, house, subscribe):
    sid = subscribe(house(), start_date=date(2027, 1, 31))
    for day in (date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)):
        assert run(box, day - timedelta(days=1))["count"] == 0  # the day before: nothing
        assert run(box, day)["count"] == 1
    got = [(p[1], p[2]) for p in periods(box)]
    assert got == [("2027-01-31", "2027-02-27"), ("2027-02-28", "2027-03-30"),
                   ("2027-03-31", "2027-04-29"), ("2027-04-30", "2027-05-30")]  # fmt: skip
    inv = (
        box.db.reader()
        .execute(
            "SELECT i.*, l.name FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id"
            " WHERE i.delivery_date = '2027-02-28'"
        )
        .fetchone()
    )
    assert inv["name"] == "Wartungsvertrag 28.02.2027–30.03.2027"
    assert (inv["gross"], inv["vat"], inv["net"]) == (11900, 1900, 10000)
    assert (inv["state"], inv["issue_date"], inv["sepa_state"]) == ("open", "2027-02-28", None)
    assert "Wartungsvertrag 28.02.2027–30.03.2027" in bytes(inv["xml"]).decode()
    assert store.get(box.db.reader(), box.config, sid, date(2027, 4, 30))["next_billing"] == (
        "2027-05-31"
    )
    assert_exactly_once(box)


def test_leap_year_29_february_in_2028(box, house, subscribe):
    subscribe(house(), start_date=date(2028, 1, 31))
    run(box, date(2028, 3, 1))
    assert [p[1] for p in periods(box)] == ["2028-01-31", "2028-02-29"]


def test_quarterly_and_annually_from_29_february(box, house, subscribe):
    cid = house()
    q = subscribe(cid, start_date=date(2028, 2, 29), interval="quarterly")
    a = subscribe(cid, start_date=date(2028, 2, 29), interval="annually", amount=50000)
    run(box, date(2029, 3, 1))
    by = {sid: [p[1] for p in periods(box) if p[0] == sid] for sid in (q, a)}
    assert by[q] == ["2028-02-29", "2028-05-29", "2028-08-29", "2028-11-29", "2029-02-28"]
    assert by[a] == ["2028-02-29", "2029-02-28"]
    assert_exactly_once(box)


def test_a_box_off_for_40_days_catches_up_each_period_once(box, house, subscribe):
    sid = subscribe(house(), start_date=date(2027, 1, 31))
    assert run(box, date(2027, 1, 31))["count"] == 1
    # Off from 1 Feb to 12 Mar: 28 Feb and the 31 Mar still to come.
    back = date(2027, 1, 31) + timedelta(days=40)
    result = run(box, back)
    assert [(b["period_start"], b["period_end"]) for b in result["billed"]] == [
        ("2027-02-28", "2027-03-30")
    ]
    assert run(box, back)["count"] == 0  # a second run the same day
    monthly = subscribe(house(), start_date=date(2027, 1, 5))
    result = run(box, date(2027, 4, 20))  # off again, ~5 weeks: each missed period
    starts = [b["period_start"] for b in result["billed"]]
    assert starts == ["2027-03-31", "2027-01-05", "2027-02-05", "2027-03-05", "2027-04-05"]
    assert {b["subscription_id"] for b in result["billed"]} == {str(sid), str(monthly)}
    assert_exactly_once(box)


def test_a_dry_run_lists_and_writes_nothing(box, house, subscribe):
    subscribe(house(), start_date=date(2027, 1, 31))
    result = run(box, date(2027, 3, 1), dry_run=True)
    assert result["count"] == 2 and result["billed"][0]["number"] is None
    assert periods(box) == []
    with pytest.raises(FieldErrors) as e:
        bill(box.db, box.config, at(date(2027, 3, 1)), date(2027, 3, 2))
    assert e.value.errors[0]["field"] == "until"


def test_a_paused_period_is_skipped_not_billed_after_the_resume(box, house, subscribe):
    sid = subscribe(house(), start_date=date(2027, 1, 31))
    run(box, date(2027, 1, 31))
    box.db.write(lambda c: store.pause(c, box.config, at(date(2027, 2, 10)), sid))
    assert run(box, date(2027, 3, 5))["count"] == 0
    box.db.write(lambda c: store.resume(c, box.config, at(date(2027, 3, 10)), sid))
    assert run(box, date(2027, 3, 30))["count"] == 0  # 28 Feb was paused: skipped for good
    assert run(box, date(2027, 3, 31))["count"] == 1
    assert [p[1] for p in periods(box)] == ["2027-01-31", "2027-03-31"]


def test_cancel_takes_effect_at_the_end_of_the_current_period(box, house, subscribe):
    sid = subscribe(house(), start_date=date(2027, 1, 31))
    run(box, date(2027, 2, 28))
    box.db.write(lambda c: store.cancel(c, box.config, at(date(2027, 3, 10)), sid))
    sub = store.get(box.db.reader(), box.config, sid, date(2027, 3, 10))
    assert (sub["status"], sub["cancel_at"], sub["next_billing"]) == (
        "cancelled", "2027-03-30", None,
    )  # fmt: skip
    assert run(box, date(2027, 6, 1))["count"] == 0
    assert len(periods(box)) == 2


def test_an_end_date_stops_billing_and_sepa_marks_the_invoice_due(box, house, subscribe):
    subscribe(house(), start_date=date(2027, 1, 1), end_date=date(2027, 3, 1), sepa=True)
    run(box, date(2027, 6, 1))
    conn = box.db.reader()
    assert [r[0] for r in conn.execute("SELECT sepa_state FROM invoices")] == ["due", "due"]
    # The bank collects them: the dunning run leaves them alone.
    later = date(2027, 8, 1)  # both issued 1 Jun, due 14 days later
    dunning = box.db.write(lambda c: dunning_run(c, box.config, at(later), later))
    assert (dunning["count"], dunning["skipped"]["sepa_pending"]) == (0, 2)
    with pytest.raises(sqlite3.IntegrityError):  # the widened CHECK still holds
        box.db.write(lambda c: c.execute("UPDATE invoices SET sepa_state = 'bogus'"))


def test_net_mode_bills_reverse_charge(box, house, subscribe):
    cid = house(vat_id="ATU13585627", type="business")
    subscribe(cid, start_date=date(2027, 1, 1), net_mode=True)
    run(box, date(2027, 1, 1))
    inv = box.db.reader().execute("SELECT * FROM invoices").fetchone()
    assert (inv["net_mode"], inv["vat"], inv["gross"], inv["net"]) == (1, 0, 10000, 10000)
    assert "Steuerschuldnerschaft des Leistungsempfängers" in inv["document_json"]


def test_a_refused_period_is_reported_and_billed_once_fixed(box, house, subscribe):
    cid = house()
    subscribe(cid, start_date=date(2027, 1, 1))
    box.db.write(lambda c: c.execute("UPDATE customers SET blocked = 1 WHERE id = ?", [cid]))
    result = run(box, date(2027, 1, 1))
    assert result["count"] == 0 and result["failed"][0]["code"] == "customer_blocked"
    box.db.write(lambda c: c.execute("UPDATE customers SET blocked = 0 WHERE id = ?", [cid]))
    assert run(box, date(2027, 1, 2))["count"] == 1


def test_two_concurrent_runs_never_double_bill(box, house, subscribe):
    for i in range(6):
        subscribe(house(), start_date=date(2027, 1, 1 + i))
    results: list[dict] = []
    barrier = threading.Barrier(2)

    def runner() -> None:
        barrier.wait()
        results.append(run(box, date(2027, 6, 30)))

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2  # both runs finished, neither hit the UNIQUE
    assert sum(r["count"] for r in results) == 36
    assert sum(r["count"] + r["already_billed"] for r in results) >= 36
    assert len(periods(box)) == 36
    assert_exactly_once(box)


def test_the_schema_refuses_a_second_invoice_for_a_period(box, house, subscribe):
    sid = subscribe(house(), start_date=date(2027, 1, 1))
    run(box, date(2027, 1, 1))
    with pytest.raises(sqlite3.IntegrityError):
        box.db.write(lambda c: c.execute(
            "INSERT INTO subscription_periods (subscription_id, period_start, period_end,"
            " invoice_id, created_at) SELECT subscription_id, period_start, period_end,"
            " invoice_id, created_at FROM subscription_periods WHERE subscription_id = ?", [sid]
        ))  # fmt: skip
