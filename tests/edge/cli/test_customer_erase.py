"""``tilledge customers erase ID``: refusal with its reasons and exit code 1,
confirmation, ``--yes``, a second run answering the first's result."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edge.cli import cli
from edge.customers.edit import create_customer
from edge.platform.box import Box
from edge.platform.clock import now_iso
from edge.platform.config import load_config


@pytest.fixture
def setup(tmp_path):  # type: ignore[no-untyped-def]
    """A config file and two customers: one with credit, one without."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[box]\ndata_dir = "{tmp_path / "data"}"\n')
    config = load_config(str(cfg), environ={})
    with Box.open(config) as box:

        def txn(conn):  # type: ignore[no-untyped-def]
            ids = []
            for name in ("Zweig", "Ast"):
                values = {"first_name": "Ottilie", "last_name": name}
                ids.append(create_customer(conn, values, config=config, actor="t", now=now_iso()))
            conn.execute("INSERT INTO balances (customer_id, cash) VALUES (?, 700)", [ids[1]])
            return ids

        free, owing = box.db.write(txn)
    return str(cfg), str(free), str(owing)


def run(cfg: str, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--config", cfg, "customers", "erase", *args], input=input)


def test_a_customer_with_credit_is_refused_with_the_reason(setup):
    cfg, _, owing = setup
    r = run(cfg, owing, "--yes")
    assert r.exit_code == 1
    assert "credit" in r.stderr and "cannot be erased" in r.stderr


def test_an_unknown_customer_fails(setup):
    assert run(setup[0], "424242", "--yes").exit_code == 1


def test_no_confirmation_erases_nothing(setup):
    cfg, free, _ = setup
    r = run(cfg, free, input="n\n")
    assert r.exit_code == 1 and "nothing erased" in r.stderr
    assert "Zweig" in r.stderr  # the prompt names whom


def test_yes_erases_and_a_second_run_answers_the_same(setup):
    cfg, free, _ = setup
    first = run(cfg, free, "--yes", "--json")
    assert first.exit_code == 0, first.output
    answer = json.loads(first.stdout)
    assert answer["pseudonym"].startswith("Gelöscht ") and answer["erased_by"].startswith("cli:")
    again = run(cfg, free, "--json")  # no prompt: it is done already
    assert again.exit_code == 0 and json.loads(again.stdout) == answer
