"""The backup format, rotation, and the upgrade's safety copy, on real files:
age encryption (pyrage), tar, SQLite's backup API, the real migrations."""

from __future__ import annotations

import os
import sqlite3
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge.platform import backup, migrations, restore
from edge.platform.backup import BackupError, Seal
from edge.platform.backup_rotation import choose, rotate

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A migrated data directory with what a box keeps beside its database."""
    d = tmp_path / "data"
    migrations.apply(d / "tilledge.db")
    (d / "tls").mkdir()
    (d / "tls" / "cert.pem").write_text("CERT")
    (d / "tls" / "key.pem").write_text("KEY")
    (d / "documents" / "2026").mkdir(parents=True)
    (d / "documents" / "2026" / "R-1.pdf").write_bytes(b"%PDF-1.7 invoice")
    (d / "exports").mkdir()
    (d / "exports" / "customers.csv").write_text("a,b")
    (d / "previews" / "ab").mkdir(parents=True)
    (d / "previews" / "ab" / "cdef.png").write_bytes(b"\x89PNG")
    (d / "secrets.key").write_text("fernet")
    (d / "pre-upgrade").mkdir()
    (d / "pre-upgrade" / "tilledge-m001.db").write_text("old")
    (d / ".backup-stale").mkdir()
    (d / "x.tmp").write_text("half")
    return d


@pytest.fixture
def seal(tmp_path: Path) -> Seal:
    key = tmp_path / "backup.key"
    backup.keygen(key)
    return Seal.from_key_file(key)


def test_members_leave_out_what_a_restore_must_not_bring_back(data: Path) -> None:
    names = [name for name, _ in backup.members(data, with_secrets_key=False)]
    assert names == ["documents/2026/R-1.pdf", "tls/cert.pem", "tls/key.pem"]
    with_key = [name for name, _ in backup.members(data, with_secrets_key=True)]
    assert "secrets.key" in with_key


def test_round_trip_with_a_key_file(data: Path, seal: Seal, tmp_path: Path) -> None:
    written = backup.create(data, tmp_path / "out", seal, box_name="Café Nord", moment=NOW)
    assert written.path.name == "tilledge-caf-nord-20261204T030000Z.tar.age"
    assert written.path.read_bytes().startswith(b"age-encryption.org/v1\n")
    assert b"R-1.pdf" not in written.path.read_bytes()  # encrypted, names too
    assert oct(written.path.stat().st_mode & 0o777) == "0o600"
    assert not list((tmp_path / "out").glob(".*"))  # no temp file left
    assert list(data.glob(".backup-*")) == [data / ".backup-stale"]  # a recent one stays
    day_ago = (datetime.now(UTC) - timedelta(days=1)).timestamp()
    os.utime(data / ".backup-stale", (day_ago, day_ago))
    backup.create(data, tmp_path / "out", seal, box_name="Café Nord")
    assert list(data.glob(".backup-*")) == []  # a stale one (a killed run) is cleared
    into = tmp_path / "into"
    into.mkdir()
    manifest = backup.unpack(written.path, seal, into)
    assert manifest["schema"] == migrations.applied(data / "tilledge.db")
    assert manifest["box_name"] == "Café Nord" and manifest["box_id"]
    assert manifest["secrets_key"] is False
    assert (into / "documents" / "2026" / "R-1.pdf").read_bytes() == b"%PDF-1.7 invoice"
    assert not (into / "manifest.json").exists()
    conn = sqlite3.connect(into / "tilledge.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_a_public_key_backs_up_but_cannot_restore(data: Path, tmp_path: Path) -> None:
    identity = tmp_path / "id.key"
    public = backup.keygen(identity)
    recipients = tmp_path / "public.txt"
    recipients.write_text(public + "\n")
    written = backup.create(data, tmp_path / "out", Seal.from_key_file(recipients), box_name="b")
    (tmp_path / "into").mkdir()
    with pytest.raises(BackupError, match="only a public key"):
        backup.unpack(written.path, Seal.from_key_file(recipients), tmp_path / "into")
    backup.unpack(written.path, Seal.from_key_file(identity), tmp_path / "into")


def test_passphrase_wrong_and_tampered_are_refused(data: Path, tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("correct horse\n")
    (tmp_path / "bad").write_text("wrong horse\n")
    written = backup.create(
        data, tmp_path / "out", Seal.from_passphrase_file(tmp_path / "pw"), box_name="b"
    )
    into = tmp_path / "into"
    into.mkdir()
    with pytest.raises(BackupError, match="wrong passphrase"):
        backup.unpack(written.path, Seal.from_passphrase_file(tmp_path / "bad"), into)
    blob = bytearray(written.path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    written.path.write_bytes(bytes(blob))
    with pytest.raises(BackupError, match="changed"):
        backup.unpack(written.path, Seal.from_passphrase_file(tmp_path / "pw"), into)
    assert list(into.iterdir()) == []


def test_the_manifest_refuses_a_changed_missing_or_extra_member(
    data: Path, seal: Seal, tmp_path: Path
) -> None:
    # age already refuses a changed ciphertext; the manifest guards what was
    # unpacked (and an archive someone re-encrypted with the same key).
    written = backup.create(data, tmp_path / "out", seal, box_name="b")
    for change in ("edit", "extra", "missing"):
        into = tmp_path / change
        into.mkdir()
        backup.unpack(written.path, seal, into)
        (into / "manifest.json").write_text(_manifest_of(written.path, seal, tmp_path / "m"))
        if change == "edit":
            (into / "tls" / "cert.pem").write_text("OTHER")
        elif change == "extra":
            (into / "tls" / "evil.pem").write_text("x")
        else:
            (into / "documents" / "2026" / "R-1.pdf").unlink()
        with pytest.raises(BackupError, match="refused"):
            backup.verify(into)


def _manifest_of(sealed: Path, seal: Seal, scratch: Path) -> str:
    scratch.mkdir(exist_ok=True)
    plain = scratch / "a.tar"
    with plain.open("wb") as f:
        seal.decrypt(sealed, f)
    with tarfile.open(plain) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return member.read().decode()


def test_bad_key_and_passphrase_files_say_why(tmp_path: Path) -> None:
    (tmp_path / "empty").write_text("")
    (tmp_path / "junk").write_text("hello\n")
    with pytest.raises(BackupError, match="empty"):
        Seal.from_passphrase_file(tmp_path / "empty")
    with pytest.raises(BackupError, match="no age key"):
        Seal.from_key_file(tmp_path / "junk")
    with pytest.raises(BackupError, match="cannot read"):
        Seal.from_key_file(tmp_path / "absent")
    backup.keygen(tmp_path / "k")
    with pytest.raises(BackupError, match="exists"):
        backup.keygen(tmp_path / "k")
    assert oct((tmp_path / "k").stat().st_mode & 0o777) == "0o600"


# -------------------------------------------------------------- rotation --


def test_rotation_keeps_the_newest_days_and_weeks_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    # Two a day for 40 days, newest first, plus files rotation must not touch.
    stamps = [NOW - timedelta(hours=12 * i) for i in range(80)]
    for t in stamps:
        (out / backup.file_name("Till 1", t)).write_bytes(b"x")
    other_box = out / backup.file_name("Till 2", NOW - timedelta(days=90))
    foreign = out / "holiday-photos.tar.age"
    for p in (other_box, foreign):
        p.write_bytes(b"x")

    result = rotate(out, "Till 1", keep_daily=7, keep_weekly=4)

    kept = sorted(p.name for p in result.kept)
    days = {NOW.date() - timedelta(days=i) for i in range(7)}
    # The newest of each of the last 7 days: today 03:00, before that 15:00.
    daily = {backup.file_name("Till 1", max(t for t in stamps if t.date() == d)) for d in days}
    assert "tilledge-till-1-20261203T150000Z.tar.age" in daily
    assert "tilledge-till-1-20261203T030000Z.tar.age" not in kept
    assert daily <= set(kept)
    weeks = sorted({t.isocalendar()[:2] for t in stamps}, reverse=True)[:4]
    weekly = {
        backup.file_name("Till 1", max(t for t in stamps if t.isocalendar()[:2] == w))
        for w in weeks
    }
    assert weekly <= set(kept)
    assert set(kept) == daily | weekly
    assert len(result.deleted) == 80 - len(kept)
    assert other_box.exists() and foreign.exists()
    assert sorted(p.name for p in out.iterdir()) == sorted([*kept, other_box.name, foreign.name])


def test_rotation_always_keeps_the_newest() -> None:
    assert choose([NOW], keep_daily=1, keep_weekly=0) == {NOW}
    old = NOW - timedelta(days=30)
    assert choose([NOW, old], keep_daily=1, keep_weekly=0) == {NOW}


# --------------------------------------------------------------- upgrade --


def _older(db: Path) -> str:
    """A database one migration behind; the version it is at."""
    migrations.apply(db, stop_before=migrations.latest())
    return migrations.applied(db)[-1]


def _dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_an_upgrade_copies_the_database_first(tmp_path: Path) -> None:
    db = tmp_path / "data" / "tilledge.db"
    version = _older(db)
    before = _dump(db)
    assert migrations.apply(db) == [migrations.latest()]
    copy = tmp_path / "data" / "pre-upgrade" / f"tilledge-{version}.db"
    assert _dump(copy) == before
    assert not list(copy.parent.glob("*.tmp")) and not list(copy.parent.glob("*-wal"))
    # A current database and a fresh one are not copied.
    assert migrations.apply(db) == []
    fresh = tmp_path / "fresh" / "tilledge.db"
    migrations.apply(fresh)
    assert not (fresh.parent / "pre-upgrade").exists()
    assert list(copy.parent.iterdir()) == [copy]


def test_only_the_last_three_upgrade_copies_stay(tmp_path: Path) -> None:
    directory = tmp_path / "pre-upgrade"
    directory.mkdir()
    for i in range(4):
        old = directory / f"tilledge-m00{i}.db"
        old.write_text("x")
        t = (NOW - timedelta(days=10 - i)).timestamp()
        os.utime(old, (t, t))
    _older(tmp_path / "tilledge.db")
    migrations.apply(tmp_path / "tilledge.db")
    names = sorted(p.name for p in directory.iterdir())
    assert len(names) == 3 and "tilledge-m000.db" not in names and "tilledge-m001.db" not in names


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "tilledge.db"
    version = _older(db)
    before = _dump(db)

    def m999_broken(d: object) -> None:
        d.execute("CREATE TABLE half_done (x)")  # type: ignore[attr-defined]
        raise RuntimeError("disk says no")

    migrations.migrations(name="m999_broken")(m999_broken)
    try:
        with pytest.raises(migrations.MigrationFailed) as caught:
            migrations.apply(db)
    finally:
        migrations.migrations._migrations.pop()
    assert caught.value.name == "m999_broken"
    assert caught.value.from_version == version
    text = str(caught.value)
    assert "m999_broken" in text and "disk says no" in text and version in text
    # The real latest migration ran before the broken one and was undone too.
    assert _dump(db) == before
    assert migrations.applied(db)[-1] == version
    # A fixed release then upgrades normally.
    assert migrations.apply(db) == [migrations.latest()]


# --------------------------------------------------------------- restore --


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_root_restores_files_to_the_owner_of_the_data_dir(
    data: Path, seal: Seal, tmp_path: Path
) -> None:
    # A technician restores as root; the service runs as its own user.
    written = backup.create(data, tmp_path / "out", seal, box_name="b")
    for p in (data, *data.rglob("*")):
        os.chown(p, 12345, 12345, follow_symlinks=False)
    done = restore.restore(data, written.path, seal)
    assert done.previous is not None and done.previous.stat().st_uid == 12345
    owners = {(p.stat().st_uid, p.stat().st_gid) for p in (data, *data.rglob("*"))}
    assert owners == {(12345, 12345)}
