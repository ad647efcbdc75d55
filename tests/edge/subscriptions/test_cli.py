"""``tilledge subscriptions bill``: dry run, the real run with its summary,
a second run that bills nothing, and a refused ``--until`` after today."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from edge.cli import cli
from edge.invoices.book import box_date
from edge.platform.clock import now_iso
from tests.edge.invoices.conftest import SELLER


def test_the_cli_bills_what_is_due_once(tmp_path, box, house, subscribe, config):
    today = box_date(config, now_iso())
    subscribe(house(), start_date=today - timedelta(days=45))
    toml = tmp_path / "cli.toml"
    address = ", ".join(f'"{x}"' for x in SELLER["box.address"])
    toml.write_text(
        f'[box]\ndata_dir = "{config.box.data_dir}"\nvat_id = "{SELLER["box.vat_id"]}"\n'
        f"address = [{address}]\n",
        encoding="utf-8",
    )
    base = ["--config", str(toml), "subscriptions", "bill"]
    dry = CliRunner().invoke(cli, [*base, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would bill 2 period(s)" in dry.stdout and "(dry run)" in dry.stdout
    r = CliRunner().invoke(cli, [*base, "--json"])
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout)
    assert result["count"] == 2 and [b["number"][:3] for b in result["billed"]] == ["RE-"] * 2
    again = CliRunner().invoke(cli, base)
    assert again.exit_code == 0 and "billed 0 period(s)" in again.stdout
    late = CliRunner().invoke(cli, [*base, "--until", (today + timedelta(days=1)).isoformat()])
    assert late.exit_code == 1 and "must not be after today" in late.stderr
