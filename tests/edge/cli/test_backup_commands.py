"""``tilledge backup`` and ``tilledge restore`` as a technician runs them: the
real binary against a served demo box with customers and money, the data
directory wiped and brought back; and a failed migration at start as one line
with its own exit code."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from edge.cli import cli
from edge.customers.documents import records as documents
from edge.doctor.checks import LAST_BACKUP_KEY
from edge.platform import migrations
from edge.platform.config import load_config
from edge.platform.preflight import EXIT_CODES
from tests.support import documents as d
from tests.support.live import TILLEDGE, api_call, free_tcp_port, serve_env, serving, wait_healthy


def tilledge(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TILLEDGE, *args], env=serve_env(), capture_output=True, text=True, input=stdin,
        timeout=180,
    )  # fmt: skip


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A demo box with 20 customers on a free port, a certificate, a document,
    an export and a passphrase file; its config."""
    demo = tmp_path / "demo"
    assert tilledge("demo", "--dir", str(demo), "--customers", "20").returncode == 0
    config = demo / "tilledge.toml"
    port = free_tcp_port()
    config.write_text(
        config.read_text().replace("127.0.0.1:8080", f"127.0.0.1:{port}")
        + f'\n[backup]\ndir = "{tmp_path / "usb"}"\npassphrase_file = "{tmp_path / "pw"}"\n'
    )
    (tmp_path / "pw").write_text("correct horse battery staple\n")
    assert tilledge("--config", str(config), "tls", "generate").returncode == 0
    data = demo / "data"
    (data / "documents").mkdir()
    (data / "documents" / "R-2026-0001.pdf").write_bytes(b"%PDF-1.7 invoice")
    conn = sqlite3.connect(data / "tilledge.db")
    conn.row_factory = sqlite3.Row
    with conn:
        conn.execute("UPDATE customers SET allow_invoice_payment = 1 WHERE id = 3")
        # A customer document: its row, and its bytes under documents/ by hash.
        pdf, at = d.pdf("Vollmacht"), "2026-12-04T10:00:00Z"
        documents.add(conn, data / "documents", 3, pdf, filename="Vollmacht.pdf",
                      title="Vollmacht – Müller", actor="test", now=at)  # fmt: skip
    conn.close()
    (data / "previews" / "ab").mkdir(parents=True)  # derived: rebuilt, not backed up
    (data / "previews" / "ab" / "cdef.png").write_bytes(b"\x89PNG")
    (data / "exports").mkdir()
    (data / "exports" / "customers.csv").write_text("number,name\n")
    return config


def state(config: Path) -> dict[str, Any]:
    """What must come back: customers, balances, journal, the certificate."""
    data = load_config(config).data_path
    conn = sqlite3.connect(data / "tilledge.db")
    try:
        out = {
            "customers": conn.execute("SELECT count(*) FROM customers").fetchone()[0],
            "balances": conn.execute(
                "SELECT customer_id, cash, bonus FROM balances ORDER BY 1"
            ).fetchall(),
            "journal": conn.execute("SELECT count(*), max(seq) FROM journal").fetchone(),
            "invoices": conn.execute(
                "SELECT number, state, gross, hex(xml) FROM invoices ORDER BY id"
            ).fetchall(),
            "documents": sorted(
                (p.relative_to(data).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
                for p in (data / "documents").rglob("*")
                if p.is_file()
            ),
            "customer_documents": conn.execute(
                "SELECT customer_id, title, filename, size, media_type, sha256"
                " FROM customer_documents WHERE deleted_at IS NULL"
            ).fetchall(),
        }
    finally:
        conn.close()
    tls = json.loads(tilledge("--config", str(config), "tls", "show", "--json").stdout)
    out["fingerprint"] = tls["fingerprint"]
    return out


def tree(data: Path) -> dict[str, str]:
    return {
        str(p.relative_to(data)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(data.rglob("*"))
        if p.is_file()
    }


def move_money_while_serving(config: Path) -> None:
    """Top-ups (with bonus tiers) and a payment through the served API."""
    port = int(load_config(config).server.listen.rsplit(":", 1)[1])
    token = (config.parent / "demo-token.txt").read_text().strip()
    for cid, amount in ((1, 1000), (2, 5000), (3, 2500), (1, 700)):
        status, body, _ = api_call(
            port, token, "POST", f"/customers/{cid}/topups", {"amount": amount}
        )
        assert status == 201, body
    paid = {"amount": 1200, "receipt_no": "T1-000101"}
    status, body, _ = api_call(port, token, "POST", "/customers/2/payments", paid)
    assert status == 201, body
    # On the house account: a checkout with an invoice tender issues an invoice.
    sale = {"customer_id": "3", "lines": [{"name": "Kaffee", "unit_price": 1190,
            "vat_rate_bp": 1900}], "tenders": [{"type": "invoice"}]}  # fmt: skip
    status, body, _ = api_call(port, token, "POST", "/checkouts", sale)
    assert status == 201, body


def test_backup_wipe_restore_brings_everything_back(box: Path, tmp_path: Path) -> None:
    port = int(load_config(box).server.listen.rsplit(":", 1)[1])
    with serving(box, stderr=subprocess.DEVNULL):
        wait_healthy(port, timeout=60, interval=0.2)
        move_money_while_serving(box)
        # Online: the service keeps serving while the backup reads.
        made = tilledge("--config", str(box), "backup", "--json")
        assert made.returncode == 0, made.stderr
        assert "Backing up" in made.stderr  # the progress bar, on stderr only
        # Restore refuses while the service answers.
        refused = tilledge(
            "--config", str(box), "restore", json.loads(made.stdout)["backup"], "--yes"
        )
        assert refused.returncode == 1 and "stop it first" in refused.stderr
    result = json.loads(made.stdout)
    (sha,) = state(box)["customer_documents"][0][-1:]
    assert set(result["members"]) == {
        "tilledge.db", "tls/cert.pem", "tls/key.pem", "documents/R-2026-0001.pdf",
        f"documents/{sha[:2]}/{sha[2:]}",
    }  # fmt: skip
    assert result["secrets_key"] is False
    before = state(box)
    assert before["customers"] == 20 and before["journal"][0] >= 6
    assert next(b for b in before["balances"] if b[0] == 1)[1] == 1700
    ((number, invoice_state, _, xml),) = before["invoices"]
    assert number.endswith("-00001") and invoice_state == "open" and xml

    data = load_config(box).data_path
    shutil.rmtree(data)
    back = tilledge("--config", str(box), "restore", result["backup"], "--yes", "--json")
    assert back.returncode == 0, back.stderr
    report = json.loads(back.stdout)
    assert report["previous"] is None  # nothing was there to keep
    assert report["entries_verified"] == before["journal"][0]
    assert report["secrets_key"] == "missing"
    assert state(box) == before
    assert not (data / "exports").exists() and not (data / "manifest.json").exists()
    assert not (data / "previews").exists()
    modes = {oct(p.stat().st_mode & 0o777) for p in data.rglob("*")}
    assert modes <= {"0o600", "0o700"} and oct(data.stat().st_mode & 0o777) == "0o700"
    assert tilledge("--config", str(box), "ledger", "verify").returncode == 0
    # The restored box serves its money again.
    with serving(box, stderr=subprocess.DEVNULL):
        wait_healthy(port, timeout=60, interval=0.2)
        token = (box.parent / "demo-token.txt").read_text().strip()
        status, body, _ = api_call(port, token, "POST", "/customers/1/topups", {"amount": 300})
        assert status == 201 and body["cash"] == 2000, body


def test_wrong_passphrase_and_tampered_backups_touch_nothing(box: Path, tmp_path: Path) -> None:
    made = tilledge("--config", str(box), "backup", "--json")
    assert made.returncode == 0, made.stderr
    file = Path(json.loads(made.stdout)["backup"])
    data = load_config(box).data_path
    (data / "documents" / "after-backup.pdf").write_bytes(b"newer")
    before = tree(data)

    (tmp_path / "bad").write_text("wrong\n")
    wrong = tilledge("--config", str(box), "restore", str(file), "--passphrase-file",
                     str(tmp_path / "bad"), "--yes")  # fmt: skip
    assert wrong.returncode == 1
    assert "wrong passphrase or key" in wrong.stderr and "Traceback" not in wrong.stderr

    blob = bytearray(file.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    tampered = tmp_path / file.name
    tampered.write_bytes(bytes(blob))
    bad = tilledge("--config", str(box), "restore", str(tampered), "--yes")
    assert bad.returncode == 1 and "refused" in bad.stderr

    assert tree(data) == before
    assert [p.name for p in data.parent.iterdir() if "restore" in p.name] == []


def test_a_restore_whose_ledger_does_not_verify_puts_the_old_data_back(
    box: Path, tmp_path: Path
) -> None:
    data = load_config(box).data_path
    with serving(box, stderr=subprocess.DEVNULL):
        wait_healthy(int(load_config(box).server.listen.rsplit(":", 1)[1]), 60, 0.2)
        move_money_while_serving(box)
    # A cached balance the journal does not explain: the file is sound, the money not.
    conn = sqlite3.connect(data / "tilledge.db")
    conn.execute("UPDATE balances SET cash = cash + 1 WHERE customer_id = 1")
    conn.commit()
    conn.close()
    made = tilledge("--config", str(box), "backup", "--json")
    assert made.returncode == 0, made.stderr
    before = tree(data)
    failed = tilledge("--config", str(box), "restore", json.loads(made.stdout)["backup"], "--yes")
    assert failed.returncode == 1
    assert "does not verify" in failed.stderr and "previous data directory is back" in failed.stderr
    assert tree(data) == before
    assert [p.name for p in data.parent.iterdir() if "restore" in p.name] == []


def test_restore_asks_unless_yes_and_keeps_what_it_replaces(box: Path) -> None:
    made = tilledge("--config", str(box), "backup", "--json")
    file = json.loads(made.stdout)["backup"]
    data = load_config(box).data_path
    (data / "secrets.key").write_text("this box's key")
    no = tilledge("--config", str(box), "restore", file, stdin="n\n")
    assert no.returncode == 1 and "Aborted" in no.stderr
    yes = tilledge("--config", str(box), "restore", file, "--json", stdin="y\n")
    assert yes.returncode == 0, yes.stderr
    report = json.loads(yes.stdout)  # the question went to stderr
    previous = Path(report["previous"])
    assert previous.name.startswith("data.before-restore-")
    assert (previous / "tilledge.db").exists()
    # A backup without the secrets key keeps this box's own key.
    assert report["secrets_key"] == "kept"
    assert (data / "secrets.key").read_text() == "this box's key"


def test_with_secrets_key_key_file_and_rotation(box: Path, tmp_path: Path) -> None:
    data = load_config(box).data_path
    (data / "secrets.key").write_text("fernet key")
    key = tmp_path / "backup.key"
    gen = tilledge("--config", str(box), "backup", "keygen", str(key), "--json")
    assert gen.returncode == 0 and json.loads(gen.stdout)["public_key"].startswith("age1")
    old = tmp_path / "usb" / "tilledge-tilledge-demo-20200106T030000Z.tar.age"
    old.parent.mkdir()
    old.write_bytes(b"an old backup")
    made = tilledge("--config", str(box), "backup", "--key-file", str(key),
                    "--with-secrets-key", "--keep-daily", "1", "--keep-weekly", "0",
                    "--json")  # fmt: skip
    assert made.returncode == 0, made.stderr
    result = json.loads(made.stdout)
    assert "secrets.key" in result["members"] and result["secrets_key"] is True
    assert result["deleted"] == [str(old)] and not old.exists()
    conn = sqlite3.connect(data / "tilledge.db")
    recorded = conn.execute("SELECT value FROM box_meta WHERE key = ?", [LAST_BACKUP_KEY])
    assert recorded.fetchone() is not None  # doctor reads it
    conn.close()
    shutil.rmtree(data)
    back = tilledge("--config", str(box), "restore", result["backup"], "--key-file", str(key),
                    "--yes", "--json")  # fmt: skip
    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout)["secrets_key"] == "restored"
    assert (data / "secrets.key").read_text() == "fernet key"


def test_backup_without_passphrase_or_key_says_how(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[box]\ndata_dir = "{tmp_path / "data"}"\n')
    res = tilledge("--config", str(config), "backup")
    assert res.returncode == 1 and "--passphrase-file" in res.stderr


# ------------------------------------------------ failed migration at start --


def test_a_failing_migration_is_one_line_and_exit_7(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[box]\ndata_dir = "{tmp_path / "data"}"\n')
    db = tmp_path / "data" / "tilledge.db"
    migrations.apply(db)

    def m999_fails(d: object) -> None:
        raise sqlite3.OperationalError("no such column: nope")

    migrations.migrations(name="m999_fails")(m999_fails)
    try:
        for argv in (["db", "migrate"], ["terminal", "list"]):
            r = CliRunner().invoke(cli, ["--config", str(config), *argv])
            assert r.exit_code == EXIT_CODES["migration"], r.output
            line = r.stderr.strip()
            assert len(line.splitlines()) == 1 and "Traceback" not in r.stderr
            assert "m999_fails" in line and "unchanged" in line
    finally:
        migrations.migrations._migrations.pop()
    assert migrations.applied(db)[-1] == migrations.latest()
    assert (tmp_path / "data" / "pre-upgrade" / f"tilledge-{migrations.latest()}.db").exists()
