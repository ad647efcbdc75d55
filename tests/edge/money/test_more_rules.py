"""More SPEC §3 rules: refunds of partial payments, claw-back caps, blocked
customers, and `tilledge ledger verify` catching tampering."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from edge.cli import cli

from .conftest import checkout, journal_count

pytestmark = pytest.mark.usefixtures("writes_in")  # see conftest.py


def line(unit_price, quantity="1"):
    return {"quantity": quantity, "unit_price": unit_price, "vat_rate_bp": 1900}


def test_refund_after_partial_payment_restores_what_was_taken(pos, new_customer):
    cid = new_customer()
    pos.post(f"/customers/{cid}/topups", {"amount": 1000})  # no bonus below 5000
    pay = pos.post(f"/customers/{cid}/payments", {"amount": 1500, "allow_partial": True}).json
    assert (pay["from_cash"], pay["remaining"]) == (1000, 500)
    over = pos.post(f"/payments/{pay['payment_id']}/refunds", {"amount": 1001})
    assert over.status_code == 409
    assert over.json["refundable"] == 1000
    ok = pos.post(f"/payments/{pay['payment_id']}/refunds", {"amount": 1000})
    assert (ok.json["to_cash"], ok.json["to_bonus"], ok.json["cash"]) == (1000, 0, 1000)


def test_claw_back_is_capped_at_the_points_balance(pos, manager, new_customer, box):
    cid = new_customer()
    pos.post(f"/customers/{cid}/topups", {"amount": 20000})  # + 2000 bonus
    sale = checkout(pos, cid, "CB-1", [line(10000)]).json
    assert sale["points_earned"] == 100
    # the customer spends 80 of the 100 points elsewhere
    spend = checkout(pos, cid, "CB-2", [line(100)], redeem_points=80)
    assert spend.json["points"] == 20
    r = pos.post(f"/payments/{sale['payment_id']}/refunds", {"amount": 10000})
    assert r.status_code == 201, r.json
    # 100 due, only 20 held: take 20, report 80 short, never negative
    assert (r.json["points_taken_back"], r.json["points_shortfall"], r.json["points"]) == (
        20,
        80,
        0,
    )


@pytest.mark.parametrize(
    ("who", "method", "path", "body"),
    [
        ("pos", "post", "/customers/{cid}/topups", {"amount": 100}),
        ("pos", "post", "/customers/{cid}/payments", {"amount": 100}),
        ("manager", "post", "/customers/{cid}/payouts", {"amount": 100}),
        (
            "manager",
            "post",
            "/customers/{cid}/corrections",
            {"account": "cash", "amount": 5, "reason": "x"},
        ),
        ("pos", "post", "/payments/{pid}/refunds", {"amount": 100}),
        ("manager", "post", "/topups/{tid}/void", {}),
        (
            "pos",
            "post",
            "/checkouts",
            {
                "customer_id": "{cid}",
                "receipt_no": "BL",
                "lines": [line(100)],
                "tenders": [{"type": "cash", "amount": 100}],
            },
        ),
        ("pos", "post", "/quotes", {"customer_id": "{cid}", "lines": [line(100)]}),
    ],
)
def test_every_money_operation_refuses_a_blocked_customer(
    request, box, new_customer, who, method, path, body
):
    api = request.getfixturevalue(who)
    cid = new_customer()
    top = api.post(f"/customers/{cid}/topups", {"amount": 1000}).json
    pay = api.post(f"/customers/{cid}/payments", {"amount": 100}).json
    box.db.write(
        lambda c: c.execute(
            "UPDATE customers SET blocked = 1, lock_text = 'Karte gesperrt' WHERE id = ?", [cid]
        )
    )
    before = journal_count(box)
    filled = json.loads(json.dumps(body).replace("{cid}", cid))
    r = getattr(api, method)(
        path.format(cid=cid, pid=pay["payment_id"], tid=top["operation_id"]), filled
    )
    assert r.status_code == 409, r.json
    assert r.json["code"] == "customer_blocked"
    assert r.json["lock_text"] == "Karte gesperrt"
    assert journal_count(box) == before


def test_ledger_verify_passes_then_names_a_tampered_entry(pos, new_customer, box, config):
    cid = new_customer()
    pos.post(f"/customers/{cid}/topups", {"amount": 6000})
    pos.post(f"/customers/{cid}/payments", {"amount": 700})
    cfg = config.data_path.parent / "c.toml"
    cfg.write_text(f'[box]\ndata_dir = "{config.data_path}"\n', encoding="utf-8")
    ok = CliRunner().invoke(cli, ["--config", str(cfg), "ledger", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    report = json.loads(ok.stdout)
    assert report["ok"] is True and report["entries"] == 4 and report["customers"] == 1
    # Someone edits an amount behind the box's back (dropping the guard trigger first).
    conn = sqlite3.connect(config.db_path)
    conn.execute("DROP TRIGGER journal_no_update")
    conn.execute("UPDATE journal SET amount = 7000 WHERE seq = 1")
    conn.commit()
    conn.close()
    bad = CliRunner().invoke(cli, ["--config", str(cfg), "ledger", "verify"])
    assert bad.exit_code == 2
    assert "entry 1" in bad.stderr


def test_ledger_verify_catches_a_cached_balance_that_drifted(pos, new_customer, box, config):
    cid = new_customer()
    pos.post(f"/customers/{cid}/topups", {"amount": 100})
    box.db.write(
        lambda c: c.execute("UPDATE balances SET cash = 99 WHERE customer_id = ?", [int(cid)])
    )
    cfg = config.data_path.parent / "c.toml"
    cfg.write_text(f'[box]\ndata_dir = "{config.data_path}"\n', encoding="utf-8")
    bad = CliRunner().invoke(cli, ["--config", str(cfg), "ledger", "verify", "--json"])
    assert bad.exit_code == 2
    assert json.loads(bad.stdout)["bad_customer"] == int(cid)
