"""``tilledge db …``: schema migrations and online backups."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from edge.cli.group import State, cli, emit, fail, json_option, pass_state
from edge.doctor.checks import LAST_BACKUP_KEY
from edge.platform import migrations, sealing
from edge.platform.clock import now_iso
from edge.platform.db import connect
from edge.platform.preflight import EXIT_CODES


@cli.group()
def db() -> None:
    """Database schema and backups."""


@db.command()
@json_option
@pass_state
def migrate(state: State, as_json: bool) -> None:
    """Apply pending schema migrations."""
    path = state.config.db_path
    try:
        done = migrations.apply(path)
    except migrations.MigrationFailed as e:
        fail(str(e), EXIT_CODES["migration"])
    except (sqlite3.Error, OSError) as e:
        fail(f"migration failed on {path}: {e}")
    emit(
        as_json,
        {"database": str(path), "applied": done, "version": migrations.latest()},
        f"{path}: applied {len(done)} migration(s)"
        + (f": {', '.join(done)}" if done else "; schema is current")
        + f" (version {migrations.latest()})",
    )


@db.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--with-secrets-key",
    is_flag=True,
    help="Also copy the key that seals TOTP secrets, to FILE.secrets.key.",
)
@json_option
@pass_state
def backup(state: State, file: Path, with_secrets_key: bool, as_json: bool) -> None:
    """Write a consistent copy of the live database to FILE (safe while serving).

    TOTP secrets in it are sealed with the data dir's secrets.key, which is
    left out unless --with-secrets-key: a box restored without it needs every
    second factor re-enrolled (`tilledge user totp NAME`).
    """
    src_path = state.config.db_path
    if not src_path.exists():
        fail(f"no database at {src_path} (run `tilledge db migrate` or `tilledge demo`)")
    key_src, key_dst = sealing.key_path(src_path), Path(f"{file}.{sealing.KEY_FILE}")
    if file.exists() or (with_secrets_key and key_dst.exists()):
        fail(f"{file} exists; choose a new file name")
    file.parent.mkdir(parents=True, exist_ok=True)
    src = connect(src_path)
    dst = sqlite3.connect(str(file))
    try:
        pages = src.execute("PRAGMA page_count").fetchone()[0]
        with click.progressbar(length=pages, label="Backing up", file=sys.stderr) as bar:
            last = [0]

            def progress(status: int, remaining: int, total: int) -> None:
                done = total - remaining
                bar.update(done - last[0])
                last[0] = done

            src.backup(dst, pages=256, progress=progress)
        ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as e:
        file.unlink(missing_ok=True)
        fail(f"backup failed: {e}")
    finally:
        dst.close()
        src.close()
    if ok != "ok":
        fail(f"backup written but integrity check says: {ok}")
    size = file.stat().st_size
    _record_backup(src_path)
    key = _copy_key(key_src, key_dst) if with_secrets_key else None
    if key is not None:
        note = f"; TOTP secrets key in {key} (restore it as {key_src.name} in the data dir)"
    else:
        note = (
            "; the TOTP secrets key is not in it (--with-secrets-key): a box restored"
            " from it needs second factors re-enrolled"
        )
    emit(
        as_json,
        {
            "source": str(src_path),
            "backup": str(file),
            "bytes": size,
            "integrity": ok,
            "secrets_key": None if key is None else str(key),
        },
        f"backup written to {file} ({size:,} bytes, integrity ok){note}",
    )


def _record_backup(db_path: Path) -> None:
    # `tilledge doctor` warns when this grows old; a box that cannot note it
    # still has its backup, so a failure here is only a warning.
    try:
        conn = connect(db_path)
        try:
            with conn:
                conn.execute(
                    "INSERT INTO box_meta (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [LAST_BACKUP_KEY, now_iso("seconds")],
                )
        finally:
            conn.close()
    except sqlite3.Error as e:
        click.echo(f"tilledge: backup written, but its time was not recorded: {e}", err=True)


def _copy_key(src: Path, dst: Path) -> Path | None:
    """The key next to the backup, 0600 like the original; None if none exists
    yet (no second factor was ever enrolled: nothing is sealed)."""
    try:
        key = src.read_bytes()
    except FileNotFoundError:
        return None
    sealing.write_private(dst, key)
    return dst
