from pathlib import Path

import pytest

from edge.platform import config as config_module
from edge.platform.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "tilledge.toml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture(autouse=True)
def no_installed_config(tmp_path, monkeypatch):
    """The embedded defaults, whatever a package installed in /etc on this machine."""
    monkeypatch.setattr(config_module, "DEFAULT_PATH", tmp_path / "absent.toml")


def test_defaults_match_spec():
    c = load_config(environ={})
    assert c.box.currency == "EUR"
    assert c.box.country == "DE"
    assert c.server.listen == "127.0.0.1:8080"
    assert c.ledger.max_topup == 50000
    assert c.ledger.max_balance == 0
    assert [(t.from_, t.rate_bp) for t in c.ledger.topup_bonus] == [(0, 0)]
    assert c.ledger.points_per_eur == 1 and c.ledger.point_value == 1
    assert c.customers.next_number == 10000 and c.customers.age_alert_years == 18
    assert c.customers.ssn_unique is False
    assert c.discovery.interfaces == ["127.0.0.1"]


def test_file_values_are_read(tmp_path):
    p = write(
        tmp_path,
        '[box]\nname = "Café Nord"\n[ledger]\nmax_topup = 1000\n'
        "topup_bonus = [{ from = 0, rate_bp = 0 }, { from = 5000, rate_bp = 1000 }]\n",
    )
    c = load_config(p, environ={})
    assert c.box.name == "Café Nord"
    assert c.ledger.max_topup == 1000
    assert [(t.from_, t.rate_bp) for t in c.ledger.topup_bonus] == [(0, 0), (5000, 1000)]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        pytest.param(
            "[ledger]\nmax_top_up = 1000\n", r"ledger\.max_top_up: unknown key", id="unknown_key"
        ),
        pytest.param("[ledgr]\nmax_topup = 1000\n", r"ledgr: unknown key", id="unknown_section"),
        pytest.param('[ledger]\nmax_topup = "lots"\n', r"ledger\.max_topup", id="wrong_type"),
        pytest.param("[ledger]\nmax_topup = 500.5\n", r"ledger\.max_topup", id="float_money"),
        pytest.param(
            "[devices.printer]\nspeed = 3\n",
            r"devices\.printer\.speed: unknown key",
            id="nested_unknown_key",
        ),
        pytest.param("[box\nname=1", "not valid TOML", id="bad_toml"),
    ],
)
def test_bad_config_is_refused_naming_the_key(tmp_path, toml, message):
    p = write(tmp_path, toml)
    with pytest.raises(ConfigError, match=message):
        load_config(p, environ={})


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml", environ={})


def test_env_overrides_scalar_keys(tmp_path):
    p = write(tmp_path, "[ledger]\nmax_topup = 1000\n")
    c = load_config(
        p,
        environ={
            "TILLEDGE_LEDGER_MAX_TOPUP": "2500",
            "TILLEDGE_BOX_NAME": "Kiosk am Markt",
            "TILLEDGE_CUSTOMERS_SSN_UNIQUE": "true",
        },
    )
    assert c.ledger.max_topup == 2500
    assert c.box.name == "Kiosk am Markt"
    assert c.customers.ssn_unique is True


def test_env_wrong_type_names_the_key():
    with pytest.raises(ConfigError, match=r"ledger\.max_topup"):
        load_config(environ={"TILLEDGE_LEDGER_MAX_TOPUP": "many"})


def test_env_unknown_key_is_named():
    with pytest.raises(ConfigError, match="TILLEDGE_LEDGER_MAX_TOPUPS"):
        load_config(environ={"TILLEDGE_LEDGER_MAX_TOPUPS": "1"})


def test_config_file_from_env(tmp_path):
    p = write(tmp_path, '[box]\nname = "From env"\n')
    assert load_config(environ={"TILLEDGE_CONFIG": str(p)}).box.name == "From env"


def test_listen_must_be_host_port():
    with pytest.raises(ConfigError, match=r"server\.listen"):
        load_config(environ={"TILLEDGE_SERVER_LISTEN": "8080"})


def test_discount_style_rate_limits():
    with pytest.raises(ConfigError, match=r"ledger\.topup_bonus\.0\.rate_bp"):
        load_config(overrides={"ledger.topup_bonus": [{"from": 0, "rate_bp": 20000}]}, environ={})


def test_receipt_identity_keys(tmp_path):
    p = write(
        tmp_path,
        '[box]\naddress = ["Hauptstr. 1", "12345 Musterstadt"]\nvat_id = "DE123456789"\n'
        'tax_number = "12/345/67890"\ntimezone = "Europe/Vienna"\n',
    )
    c = load_config(p, environ={})
    assert c.box.address == ["Hauptstr. 1", "12345 Musterstadt"]
    assert (c.box.vat_id, c.box.tax_number, c.box.timezone) == (
        "DE123456789",
        "12/345/67890",
        "Europe/Vienna",
    )
    d = load_config(environ={}).box
    assert (d.address, d.vat_id, d.tax_number, d.timezone) == ([], "", "", "Europe/Berlin")


@pytest.mark.parametrize("zone", ["Europe/Berln", "Mars/Olympus", "../../etc/passwd", "", "CEST+2"])
def test_an_unknown_time_zone_is_refused_naming_the_key(tmp_path, zone):
    p = write(tmp_path, f'[box]\ntimezone = "{zone}"\n')
    with pytest.raises(ConfigError, match=r"box\.timezone: .*unknown time zone"):
        load_config(p, environ={})
    with pytest.raises(ConfigError, match=r"box\.timezone"):
        load_config(environ={"TILLEDGE_BOX_TIMEZONE": zone or '""'})


def test_an_address_must_be_a_list_of_lines(tmp_path):
    p = write(tmp_path, '[box]\naddress = "Hauptstr. 1"\n')
    with pytest.raises(ConfigError, match=r"box\.address"):
        load_config(p, environ={})
