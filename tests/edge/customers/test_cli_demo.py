"""``tilledge customers …`` commands and the demo data."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli import cli
from edge.customers.fields import CustomerCreate
from edge.customers.validate import normalize_fields
from edge.demo import customers as demo_data


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    path = tmp_path / "t.toml"
    path.write_text(f'[box]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    return path


def run(cfg: Path, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--config", str(cfg), "customers", *args], input=input)


def test_next_number(cfg):
    r = run(cfg, "next-number", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"next_number": 10000, "config_floor": 10000}
    assert run(cfg, "next-number", "25000").exit_code == 0
    assert json.loads(run(cfg, "next-number", "--json").output)["next_number"] == 25000
    r = run(cfg, "next-number", "5")
    assert r.exit_code != 0 and "below" in r.stderr


def test_purge_without_revenue(cfg, tmp_path):
    r = CliRunner().invoke(
        cli, ["demo", "--dir", str(tmp_path / "demo"), "--customers", "7", "--json"]
    )
    assert r.exit_code == 0, r.output
    demo_cfg = tmp_path / "demo" / "tilledge.toml"
    r = run(demo_cfg, "purge-without-revenue", "--dry-run", "--json")
    assert json.loads(r.output) == {"dry_run": True, "count": 7, "deleted": 0}
    r = run(demo_cfg, "purge-without-revenue", input="n\n")
    assert r.exit_code != 0 and "nothing deleted" in r.stderr
    r = run(demo_cfg, "purge-without-revenue", "--yes", "--json")
    assert json.loads(r.output)["deleted"] == 7
    r = run(demo_cfg, "purge-without-revenue", "--dry-run")
    assert "0 customer(s)" in r.output


def test_demo_seed_creates_customers_cards_and_groups(box, pos):
    assert demo_data.seed(box, 40) == 40
    page = pos.get("/customers?limit=500").get_json()
    assert page["total"] == 40
    conn: sqlite3.Connection = box.db.reader()
    assert conn.execute("SELECT count(*) FROM cards").fetchone()[0] > 20
    assert conn.execute("SELECT count(*) FROM customer_groups").fetchone()[0] == 5
    # the number counter moved past the seeded customers
    r = pos.post("/customers", json={"last_name": "Neu"})
    assert r.get_json()["customer_number"] == 10040


def test_generated_records_pass_validation():
    for rec in demo_data.generate(300, seed=1):
        sent = {k: v for k, v in rec.items() if not k.startswith("_")}
        values = CustomerCreate.model_validate(sent).model_dump(exclude_unset=True)
        normalised = normalize_fields(values, "DE", date.today())
        for f in ("phone", "mobile", "business_phone", "iban", "vat_id", "email"):
            assert normalised.get(f) == sent.get(f), f


def test_card_uids_are_unique():
    uids = [demo_data.card_uid(i) for i in range(1, 200_001)]
    assert len(set(uids)) == len(uids)
