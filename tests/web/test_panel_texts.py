"""The panel's texts and money beyond EUR: the run-time message-id families
(web/msgids.py) cover the tables the code builds ids from, and a box in a
currency with 0 or 3 minor digits reads and shows amounts in its own digits."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.devices import printing
from edge.money import journal
from edge.platform.box import Box
from edge.platform.config import Config, load_config
from edge.security.users import ROLES
from tests.support.panel import Panel, make_customer
from web import customer_form as cf
from web import customer_gdpr, customers, msgids, queries

NB = "\u00a0"


def listed(prefix: str) -> set[str]:
    return {m for m in msgids.MSGIDS if m.startswith(prefix)}


def test_every_built_id_is_listed_for_the_extractor() -> None:
    assert len(set(msgids.MSGIDS)) == len(msgids.MSGIDS)
    assert listed("label_") == {f"label_{f.name}" for f in cf.FIELDS}
    assert listed("help_") == {f"help_{f.name}" for f in cf.FIELDS if f.help} | {"help_card_uid"}
    assert listed("sec_") == {f"sec_{s}" for s in cf.SECTIONS}
    assert listed("tab_") == {f"tab_{s}" for s in customers.TABS}
    assert listed("role_") == {f"role_{r}" for r in ROLES}
    codes_of = {"cash": journal.CREDIT_TYPES, "bonus": journal.CREDIT_TYPES}
    codes_of["points"] = journal.POINTS_TYPES
    words = {
        queries.entry_label(account, code, amount)
        for account, codes in codes_of.items()
        for code in codes
        for amount in (1, -1)
    }
    assert listed("tx_") == words
    assert listed("reason_") == set(queries.SYSTEM_REASONS.values())
    assert listed("erase_reason_") == {f"erase_reason_{c}" for c in customer_gdpr.REASONS}
    states = (printing.QUEUED, printing.PRINTING, printing.PRINTED, printing.FAILED)
    assert listed("job_") == {f"job_{s}" for s in states}
    gender = cf.BY_NAME["gender"].options
    assert listed("gender_") == {f"gender_{o}" for o in gender if o}
    codes = {p.removeprefix("problem_") for p in listed("problem_")}
    assert {"customer_blocked", "insufficient_funds", "limit_max_topup"} <= codes


CASES = {
    # currency: (typed amount, minor units, as shown in English)
    "JPY": ("1.234", 1234, "¥1,234"),
    "KWD": ("1,5", 1500, f"KWD{NB}1.500"),
}


@pytest.fixture(params=sorted(CASES))
def config(request: pytest.FixtureRequest, tmp_path: Path) -> Config:
    return load_config(
        overrides={"box.data_dir": str(tmp_path / "data"), "box.currency": request.param},
        environ={},
    )


def test_topup_in_the_currencys_own_digits(cashier: Panel, staff: Box) -> None:
    currency = staff.config.box.currency
    typed, minor, shown = CASES[currency]
    cid = make_customer(staff)
    resp = cashier.post(f"/customers/{cid}/topup", {"amount": typed, "nonce": f"texts-{currency}"})
    assert resp.status_code == 302
    cash = staff.db.reader().execute("SELECT cash FROM balances WHERE customer_id = ?", [cid])
    assert cash.fetchone()[0] == minor
    html = cashier.text(f"/customers/{cid}?tab=credit")
    assert shown in html


def test_the_amount_example_is_one_the_form_accepts(cashier: Panel, staff: Box) -> None:
    cid = make_customer(staff)
    html = cashier.text(f"/customers/{cid}?tab=credit")
    example = {"JPY": "e.g. 20", "KWD": "e.g. 20.000"}[staff.config.box.currency]
    assert f'placeholder="{example}"' in html
