"""BACKOFFICE §9 dunning with its numbers: level days, each fee once, the
interest formula against a hand calculation, idempotent per day, the skips
(do_not_dun, SEPA pending, paid), partly paid invoices reminded, §367 after
a reminder, dry run, the API and the CLI."""

from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner

from edge.cli import cli
from edge.invoices.dunning import dunning_run, interest
from edge.invoices.payments import record_payment
from edge.platform.actor import Actor
from edge.platform.clock import now_iso
from edge.platform.config import load_config


def d(day: str) -> date:
    return date.fromisoformat(day)


def run(box, on, config=None, dry_run=False):
    cfg = config or box.config
    return box.db.write(lambda c: dunning_run(c, cfg, Actor("t", now_iso()), on, dry_run=dry_run))


def row(box, iid):
    with box.db.reader() as c:
        return dict(c.execute("SELECT * FROM invoices WHERE id = ?", [iid]).fetchone())


def test_levels_come_after_their_days_and_each_fee_is_charged_once(box, issued):
    iid = issued()
    assert run(box, d("2026-11-07"))["skipped"]["not_yet"] == 1  # 6 days after due
    first = run(box, d("2026-11-08"))  # 7 days: level 1, fee 0
    assert [(r["level"], r["fee_charged"], r["deadline"]) for r in first["reminders"]] == [
        (1, 0, "2026-11-22")
    ]
    again = run(box, d("2026-11-08"))  # the same day once more: nothing
    assert again["count"] == 0 and again["skipped"]["dunned_today"] == 1
    assert run(box, d("2026-11-21"))["count"] == 0  # 13 days after level 1
    assert run(box, d("2026-11-22"))["reminders"][0]["fee_charged"] == 500
    assert run(box, d("2026-12-06"))["reminders"][0]["fee_charged"] == 1000
    after = run(box, d("2027-03-01"))
    assert after["count"] == 0 and after["skipped"]["level_3"] == 1  # Mahnstufe 3
    r = row(box, iid)
    assert (r["dunning_level"], r["fees"], r["interest"]) == (3, 1500, 0)
    with box.db.reader() as c:
        levels = [x[0] for x in c.execute("SELECT level FROM dunning_notices ORDER BY id")]
    assert levels == [1, 2, 3]


def test_a_late_run_raises_one_level_only(box, issued):
    iid = issued()
    assert run(box, d("2027-06-01"))["reminders"][0]["level"] == 1
    assert row(box, iid)["dunning_level"] == 1


def test_interest_matches_a_hand_calculation_and_no_day_is_charged_twice(box, issued):
    cfg = load_config(overrides={"dunning.interest_bp_per_year": 900,
                                 "box.data_dir": box.config.box.data_dir}, environ={})  # fmt: skip
    iid = issued(100000)
    # level 1 on day 7: 100000 * 900 * 7 / 3650000 = 172.60 -> 173
    r1 = run(box, d("2026-11-08"), cfg)["reminders"][0]
    assert r1["interest_charged"] == 173
    # level 2 14 days later: 100000 * 900 * 14 / 3650000 = 345.21 -> 345
    r2 = run(box, d("2026-11-22"), cfg)["reminders"][0]
    assert r2["interest_charged"] == 345
    # together the 21 days since the due date: 517.81 -> 518
    assert row(box, iid)["interest"] == 173 + 345 == interest(100000, 900, 21)
    assert r2["owed"] == 100000 + 500 + 518


def test_interest_formula_rounds_half_up():
    # 3650000 * x: 10000 * 36500 * 1 / 3650000 = 100 exactly; 18250 -> 0.5 -> 1
    assert interest(10000, 36500, 1) == 100
    assert interest(1, 18250, 100) == 1  # 1 * 18250 * 100 / 3650000 = 0.5
    assert interest(1, 18249, 100) == 0
    assert interest(0, 900, 30) == 0 and interest(100, 0, 30) == 0


def test_a_principal_payment_after_a_reminder_keeps_fees_and_interest_owed(box, issued):
    cfg = load_config(overrides={"dunning.interest_bp_per_year": 900,
                                 "box.data_dir": box.config.box.data_dir}, environ={})  # fmt: skip
    iid = issued(100000)
    run(box, d("2026-11-08"), cfg)
    run(box, d("2026-11-22"), cfg)  # fees 500, interest 518
    actor = Actor("t", now_iso())
    box.db.write(lambda c: record_payment(c, box.config, actor, iid, "transfer", 100000))
    r = row(box, iid)
    assert (r["fees_paid"], r["interest_paid"], r["principal_paid"]) == (500, 518, 98982)
    assert r["state"] == "partly_paid"
    # still owed, so still reminded: level 3 charges on the 1018 open principal
    r3 = run(box, d("2026-12-06"), cfg)["reminders"][0]
    assert (r3["level"], r3["principal"], r3["fee_charged"]) == (3, 1018, 1000)
    assert r3["interest_charged"] == interest(1018, 900, 14) == 4  # 3.9 -> 4


def test_business_customers_pay_the_flat_fee_once_when_configured(box, issued):
    cfg = load_config(overrides={"dunning.business_flat_fee": True,
                                 "box.data_dir": box.config.box.data_dir}, environ={})  # fmt: skip
    biz = issued(type="business", company_name="Bau GmbH")
    person = issued()
    got = {r["invoice_id"]: r["fee_charged"] for r in run(box, d("2026-11-08"), cfg)["reminders"]}
    assert got == {str(biz): 4000, str(person): 0}
    got = {r["invoice_id"]: r["fee_charged"] for r in run(box, d("2026-11-22"), cfg)["reminders"]}
    assert got == {str(biz): 500, str(person): 500}


def test_skips_do_not_dun_sepa_pending_and_paid_but_reminds_partly_paid(box, issued):
    quiet = issued(do_not_dun=1)
    sepa = issued()
    paid = issued()
    partly = issued()
    box.db.write(lambda c: c.execute("UPDATE invoices SET sepa_state = 'pending' WHERE id = ?",
                                     [sepa]))  # fmt: skip
    actor = Actor("t", now_iso())
    box.db.write(lambda c: record_payment(c, box.config, actor, paid, "cash", 100000))
    box.db.write(lambda c: record_payment(c, box.config, actor, partly, "cash", 40000))
    result = run(box, d("2026-11-08"))
    assert [r["invoice_id"] for r in result["reminders"]] == [str(partly)]
    assert result["reminders"][0]["principal"] == 60000
    assert result["skipped"]["do_not_dun"] == 1 and result["skipped"]["sepa_pending"] == 1
    assert row(box, paid)["dunning_level"] == 0  # a paid invoice is never reminded
    assert row(box, quiet)["dunning_level"] == 0


def test_a_dry_run_writes_nothing(box, issued):
    iid = issued()
    result = run(box, d("2026-11-08"), dry_run=True)
    assert result["count"] == 1 and result["dry_run"] is True
    assert row(box, iid)["dunning_level"] == 0
    assert run(box, d("2026-11-08"))["count"] == 1  # the real run still does it


def test_the_api_runs_it_for_today_and_a_second_run_does_nothing(manager, pos, box, issued):
    issued()  # due 2026-11-01: long overdue today
    assert pos.post("/invoices/dunning-run", {}).status_code == 403
    dry = manager.post("/invoices/dunning-run", {"dry_run": True}).get_json()
    assert dry["count"] == 1
    first = manager.post("/invoices/dunning-run", {})
    assert first.status_code == 200 and first.get_json()["count"] == 1
    second = manager.post("/invoices/dunning-run", {}).get_json()
    assert second["count"] == 0 and second["skipped"]["dunned_today"] == 1


def test_the_cli_runs_it(tmp_path, box, issued, config):
    issued()
    toml = tmp_path / "cli.toml"
    toml.write_text(f'[box]\ndata_dir = "{config.box.data_dir}"\n', encoding="utf-8")
    dry = CliRunner().invoke(cli, ["--config", str(toml), "invoices", "dunning-run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would send 1 reminder(s)" in dry.output
    r = CliRunner().invoke(cli, ["--config", str(toml), "invoices", "dunning-run", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["count"] == 1
    again = CliRunner().invoke(cli, ["--config", str(toml), "invoices", "dunning-run", "--json"])
    assert json.loads(again.output)["count"] == 0


def test_a_manager_waives_fees_and_interest_with_a_reason_into_the_history(
    manager, pos, box, issued
):
    iid = issued(1000)
    box.db.write(lambda c: c.execute(
        "UPDATE invoices SET fees = 500, interest = 30 WHERE id = ?", [iid]))  # fmt: skip
    assert pos.post(f"/invoices/{iid}/waive", {"fees": 1, "reason": "x"}).status_code == 403
    r = manager.post(f"/invoices/{iid}/waive", {"fees": 501, "reason": "Kulanz"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "fees"
    assert manager.post(f"/invoices/{iid}/waive", {"fees": 100}).status_code == 422  # no reason
    r = manager.post(f"/invoices/{iid}/waive", {"fees": 500, "interest": 30, "reason": "Kulanz"})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["fees"], r.get_json()["interest"], r.get_json()["owed"]) == (0, 0, 1000)
    cid = r.get_json()["customer_id"]
    history = manager.get(f"/customers/{cid}/history").get_json()["items"]
    waived = [
        h["new"] for h in history if h["field"] == "invoice" and h["new"]["event"] == "waived"
    ]
    assert waived == [{"event": "waived", "invoice_id": str(iid), "number": row(box, iid)["number"],
                       "fees": 500, "interest": 30, "reason": "Kulanz"}]  # fmt: skip
