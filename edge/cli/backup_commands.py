"""``tilledge backup`` / ``tilledge restore``: encrypted backups of the whole box.

The format and the steps are ``edge.platform.backup``, ``backup_rotation``
and ``restore``; this module reads the options (falling back on the config's
``[backup]`` section, so the systemd timer runs ``tilledge backup`` bare),
draws the progress bar on stderr and prints the result.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from edge.cli.db_commands import _record_backup
from edge.cli.group import State, cli, emit, fail, file_option, json_option, pass_state
from edge.platform import backup as archive
from edge.platform.backup import BackupError, Seal
from edge.platform.backup_rotation import rotate
from edge.platform.config import Config
from edge.platform.migrations import MigrationFailed
from edge.platform.restore import restore, service_answers


def _seal(config: Config, passphrase_file: Path | None, key_file: Path | None) -> Seal:
    if passphrase_file and key_file:
        fail("give --passphrase-file or --key-file, not both")
    if passphrase_file is None and key_file is None:
        passphrase_file = (
            Path(config.backup.passphrase_file) if config.backup.passphrase_file else None
        )
        key_file = Path(config.backup.key_file) if config.backup.key_file else None
    try:
        if passphrase_file is not None:
            return Seal.from_passphrase_file(passphrase_file)
        if key_file is not None:
            return Seal.from_key_file(key_file)
    except BackupError as e:
        fail(str(e))
    fail(
        "no passphrase or key: give --passphrase-file or --key-file, or set"
        " backup.passphrase_file or backup.key_file in the config"
    )


def _seal_options(fn: click.decorators.FC) -> click.decorators.FC:
    fn = file_option("--key-file", "key_file", "age key file (default: backup.key_file).")(fn)
    return file_option(
        "--passphrase-file",
        "passphrase_file",
        "File whose first line is the passphrase (default: backup.passphrase_file).",
    )(fn)


@cli.group(invoke_without_command=True)
@click.option(
    "--to",
    "to",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write to (default: backup.dir, else <data_dir>-backups).",
)
@_seal_options
@click.option(
    "--with-secrets-key",
    is_flag=True,
    help="Include the key that seals TOTP secrets (else a restored box re-enrolls them).",
)
@click.option("--keep-daily", type=click.IntRange(min=1), help="Days to keep (backup.keep_daily).")
@click.option(
    "--keep-weekly", type=click.IntRange(min=0), help="ISO weeks to keep (backup.keep_weekly)."
)
@json_option
@click.pass_context
def backup(
    ctx: click.Context,
    to: Path | None,
    passphrase_file: Path | None,
    key_file: Path | None,
    with_secrets_key: bool,
    keep_daily: int | None,
    keep_weekly: int | None,
    as_json: bool,
) -> None:
    """Write an encrypted backup of the box (database, TLS, documents), then rotate."""
    if ctx.invoked_subcommand is not None:
        return
    state = ctx.find_object(State)
    assert state is not None  # the root group always sets it
    config = state.config
    seal = _seal(config, passphrase_file, key_file)
    target = to or config.backup.target(config.data_path)
    with click.progressbar(length=archive.STEPS, label="Backing up", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.update(done - bar.pos)

        try:
            written = archive.create(
                config.data_path,
                target,
                seal,
                box_name=config.box.name,
                with_secrets_key=with_secrets_key,
                progress=progress,
            )
        except (BackupError, OSError) as e:
            fail(f"backup failed: {e}")
    _record_backup(config.db_path)
    rotation = rotate(
        target,
        config.box.name,
        keep_daily or config.backup.keep_daily,
        config.backup.keep_weekly if keep_weekly is None else keep_weekly,
    )
    m = written.manifest
    emit(
        as_json,
        {
            "backup": str(written.path),
            "bytes": written.bytes,
            "box_id": m["box_id"],
            "schema": m["schema"][-1] if m["schema"] else "",
            "members": sorted(m["members"]),
            "secrets_key": m["secrets_key"],
            "kept": [str(p) for p in rotation.kept],
            "deleted": [str(p) for p in rotation.deleted],
        },
        f"backup written to {written.path} ({written.bytes:,} bytes, {len(m['members'])} files,"
        f" integrity ok); kept {len(rotation.kept)}, deleted {len(rotation.deleted)}"
        + ("" if m["secrets_key"] else "; without the TOTP secrets key (--with-secrets-key)"),
    )


@backup.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@json_option
def keygen(file: Path, as_json: bool) -> None:
    """Write a new age key file FILE (0600) for --key-file; print its public key."""
    try:
        public = archive.keygen(file)
    except (BackupError, OSError) as e:
        fail(str(e))
    emit(
        as_json,
        {"key_file": str(file), "public_key": public},
        f"key written to {file}; public key {public}\n"
        "keep a copy of the file away from the box: without it no backup can be restored",
    )


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@_seal_options
@click.option("--yes", is_flag=True, help="Do not ask before replacing the data directory.")
@json_option
@pass_state
def restore_command(
    state: State,
    file: Path,
    passphrase_file: Path | None,
    key_file: Path | None,
    yes: bool,
    as_json: bool,
) -> None:
    """Replace the data directory with backup FILE, migrate, verify the ledger."""
    config = state.config
    seal = _seal(config, passphrase_file, key_file)
    listen = config.server.listen
    if service_answers(listen):
        fail(f"the service answers on {listen}; stop it first (systemctl stop tilledge)")
    data = config.data_path
    if not yes:
        click.confirm(f"Replace {data} with the backup {file.name}?", abort=True, err=True)
    try:
        done = restore(data, file, seal)
    except (BackupError, MigrationFailed, OSError, sqlite3.Error) as e:
        fail(f"restore refused: {e}")
    m = done.manifest
    secrets = {
        "restored": "",
        "kept": "; kept this box's TOTP secrets key",
        "missing": "; the backup has no TOTP secrets key: second factors must be re-enrolled",
    }[done.secrets_key]
    emit(
        as_json,
        {
            "restored_from": str(file),
            "data_dir": str(data),
            "previous": None if done.previous is None else str(done.previous),
            "box_id": m["box_id"],
            "box_name": m["box_name"],
            "created_at": m["created_at"],
            "migrated": done.migrated,
            "entries_verified": done.entries_verified,
            "secrets_key": done.secrets_key,
        },
        f"restored {m['box_name']} from {m['created_at']} into {data}"
        + (f" (the previous data is in {done.previous})" if done.previous else "")
        + f"; {len(done.migrated)} migration(s) applied; ledger verified"
        f" ({done.entries_verified} entries){secrets}",
    )
