"""The checks of the box as a whole, each finding with its fix.

Every check answers ``ok``, ``warn`` or ``fail`` with one line of detail and,
unless ok, one line of what to do. The checks read; none changes the box, so
they run on a serving till at any time: from ``tilledge doctor`` and, every
few minutes in the background, for the panel's box page. The checks that need
the running service or the network stack (health URL, mDNS, devices) are the
callers' and come in as ``extra`` checks (:func:`examine_config`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from edge import mail
from edge.platform.config import Config, ConfigError, load_config
from edge.platform.db import MIN_FREE_BYTES, connect

Status = Literal["ok", "warn", "fail"]
ORDER: tuple[Status, ...] = ("ok", "warn", "fail")
#: Exit codes: all ok, something to look at, something broken.
EXIT = {"ok": 0, "warn": 1, "fail": 2}

# Below this the box still serves, but an upgrade (backup + migration) or a
# day of print jobs and WAL growth may not fit.
WARN_FREE_BYTES = 512 * 1024 * 1024
CERT_WARN_DAYS = 30
# A journal entry this far in the future means the clock went back since.
CLOCK_SKEW = timedelta(minutes=5)
BACKUP_WARN_AGE = timedelta(days=2)
#: box_meta key the backup command records its last success under.
LAST_BACKUP_KEY = "last_backup_at"
BACKUP_FIX = "run `tilledge backup`; daily: `systemctl enable --now tilledge-backup.timer`"
MAIL_STUCK_S = 3600  # a queued mail older than this: the server or the settings
RENEW = "renew: `tilledge tls generate --force`, then re-pin the terminals"


@dataclasses.dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    detail: str
    fix: str = ""


@dataclasses.dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]

    @property
    def status(self) -> Status:
        return max((f.status for f in self.findings), key=ORDER.index, default="ok")

    @property
    def exit_code(self) -> int:
        return EXIT[self.status]

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "checks": [dataclasses.asdict(f) for f in self.findings]}


Check = Callable[[Config, datetime], list[Finding]]


def examine(
    config_path: str | None, *, now: datetime | None = None, extra: Sequence[Check] = ()
) -> Report:
    """Every check against the config at ``config_path`` (default search path)."""
    try:
        config = load_config(config_path)
    except ConfigError as e:
        return Report((Finding("config", "fail", str(e), "correct the key named above"),))
    return examine_config(config, now=now, extra=extra)


def examine_config(
    config: Config, *, now: datetime | None = None, extra: Sequence[Check] = ()
) -> Report:
    """Every check but the config's own; ``now`` stands in for the clock.
    ``extra`` (the service and devices, as the caller sees them) run after
    the certificate, in order."""
    now = now or datetime.now(UTC)
    findings = [Finding("config", "ok", "configuration valid")]
    checks: list[Check] = [
        files,
        disk,
        clock,
        database,
        certificate,
        *extra,
        mail_outbox,
        backup_age,
    ]
    for check in checks:
        try:
            findings += check(config, now)
        except Exception as e:  # a check that breaks is a finding, not a crash
            findings.append(Finding(check.__name__, "fail", f"check failed: {e}", "report this"))
    return Report(tuple(findings))


def verdict(check: str, good: bool, ok_detail: str, bad: tuple[Status, str], fix: str) -> Finding:
    return Finding(check, "ok", ok_detail) if good else Finding(check, bad[0], bad[1], fix)


def files(config: Config, now: datetime) -> list[Finding]:
    """The data directory exists, is ours and is private, as is all in it."""
    data = config.data_path
    if not data.is_dir():
        return [
            Finding(
                "files",
                "fail",
                f"data directory {data} is missing",
                "run `tilledge db migrate` (or provision the box)",
            )
        ]
    me = os.geteuid()
    open_paths, foreign = [], []
    for root, dirs, names in os.walk(data):
        for path in [Path(root)] + [Path(root, n) for n in (*dirs, *names)]:
            try:
                st = path.lstat()
            except FileNotFoundError:
                continue
            if stat.S_ISLNK(st.st_mode):
                continue
            if st.st_uid != me:
                foreign.append(path)
            elif st.st_mode & 0o077:
                open_paths.append(f"{path} ({stat.S_IMODE(st.st_mode):04o})")
        dirs[:] = [d for d in dirs if not Path(root, d).is_symlink()]
    out = []
    if foreign:
        out.append(
            Finding(
                "files",
                "fail",
                f"{len(foreign)} file(s) not owned by this user, e.g. {foreign[0]}",
                f"chown -R {os.getuid()} {data}  (run doctor as the service user)",
            )
        )
    if open_paths:
        out.append(
            Finding(
                "files",
                "warn",
                f"readable by others: {', '.join(open_paths[:3])}"
                + (f" and {len(open_paths) - 3} more" if len(open_paths) > 3 else ""),
                f"chmod -R go= {data}  (the service also tightens them at start)",
            )
        )
    return out or [Finding("files", "ok", f"{data} private to this user")]


def disk(config: Config, now: datetime) -> list[Finding]:
    data = config.data_path
    if not data.exists():
        return []
    usage = shutil.disk_usage(data)
    free = f"{usage.free / 2**20:,.0f} MiB free of {usage.total / 2**20:,.0f} MiB"
    if usage.free < MIN_FREE_BYTES:
        status: Status = "fail"
    elif usage.free < WARN_FREE_BYTES:
        status = "warn"
    else:
        status = "ok"
    out = [Finding("disk", status, free, "" if status == "ok" else f"free space on {data}")]
    if _mounted_read_only(data):
        out.append(
            Finding(
                "disk",
                "fail",
                f"{data} is on a read-only mount (an SD card remounts so when it fails)",
                "check `dmesg` for I/O errors; replace the card and restore a backup",
            )
        )
    out += _sd_card_wear()
    return out


def _mounted_read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _sd_card_wear() -> list[Finding]:
    """eMMC/SD wear as the card reports it (JEDEC life_time: 0x01 = 0-10 % used
    … 0x0B = exceeded), where the kernel exposes it; nothing elsewhere."""
    out = []
    for life in sorted(Path("/sys/block").glob("mmcblk*/device/life_time")):
        try:
            values = [int(v, 16) for v in life.read_text().split()]
        except (OSError, ValueError):
            continue
        worst = max(values, default=0)
        name = life.parent.parent.name
        if worst >= 0x0A:
            out.append(
                Finding(
                    "disk",
                    "warn",
                    f"{name} reports {worst * 10 - 10}%+ of its life used",
                    "plan a card replacement; keep backups current",
                )
            )
        else:
            out.append(Finding("disk", "ok", f"{name} wear {max(worst - 1, 0) * 10}-{worst * 10}%"))
    return out


def clock(config: Config, now: datetime) -> list[Finding]:
    """Synchronised (invoices, TOTP and receipts carry the time) and not
    behind what the box already wrote."""
    out = []
    synced = _ntp_synchronised()
    if synced is True:
        out.append(Finding("clock", "ok", "synchronised (systemd-timesyncd/NTP)"))
    elif synced is False:
        out.append(
            Finding(
                "clock",
                "warn",
                "not synchronised to a time server",
                "enable NTP: `timedatectl set-ntp true` (a Pi has no battery clock)",
            )
        )
    newest = _newest_entry(config.db_path)
    if newest is not None and newest - now > CLOCK_SKEW:
        out.append(
            Finding(
                "clock",
                "fail",
                f"the clock ({now:%Y-%m-%d %H:%M} UTC) is behind the newest journal entry "
                f"({newest:%Y-%m-%d %H:%M} UTC)",
                "set the time (NTP) before serving; receipts and invoices would go back in time",
            )
        )
    elif synced is None:
        out.append(Finding("clock", "ok", "no time service to ask; not behind the journal"))
    return out


def _ntp_synchronised() -> bool | None:
    if Path("/run/systemd/timesync/synchronized").exists():
        return True
    if shutil.which("timedatectl") is None:
        return None
    try:
        res = subprocess.run(
            ["timedatectl", "show", "-p", "NTPSynchronized", "--value"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    answer = res.stdout.strip()
    return {"yes": True, "no": False}.get(answer) if res.returncode == 0 else None


def _newest_entry(db: Path) -> datetime | None:
    if not db.exists():
        return None
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT max(created_at) FROM journal").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    if not row or not row[0]:
        return None
    return _parse_utc(row[0])


def _parse_utc(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def database(config: Config, now: datetime) -> list[Finding]:
    from edge.platform import migrations

    db = config.db_path
    if not db.exists():
        return [Finding("database", "fail", f"no database at {db}", "run `tilledge db migrate`")]
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as e:
        check = str(e)
    finally:
        conn.close()
    if check != "ok":
        return [
            Finding(
                "database",
                "fail",
                f"{db}: {check}",
                "stop the service and restore the last backup (`tilledge restore`)",
            )
        ]
    out = [Finding("database", "ok", f"{db} integrity ok")]
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        pending = migrations.migrations.pending(sqlite_utils.Database(conn))
    finally:
        conn.close()
    if pending:
        out.append(
            Finding(
                "database",
                "warn",
                f"{len(pending)} migration(s) pending",
                "restart the service (it migrates at start) or run `tilledge db migrate`",
            )
        )
    report = _verify_in_a_child(db)
    out.append(
        verdict(
            "ledger",
            report["ok"],
            f"journal verified: {report['entries']} entries",
            ("fail", f"journal: {report['reason']} (entry {report['seq']})"),
            "stop the service; run `tilledge ledger verify` and call support",
        )
    )
    return out


_VERIFY = (
    "import json, sys\n"
    "from edge.ledger.journal import verify_journal\n"
    "r = verify_journal(sys.argv[1])\n"
    "print(json.dumps({'ok': r.ok, 'entries': r.entries_checked,"
    " 'reason': r.reason, 'seq': r.first_bad_seq}))\n"
)


def _verify_in_a_child(db: Path) -> dict[str, Any]:
    # The Rust core links its own SQLite. Opening and closing the database
    # with a second SQLite copy in a process that holds connections drops
    # that process's POSIX locks on the file (SQLite FAQ: "two copies of
    # SQLite in one process"), which broke the running service's writes and
    # event streams. So the verify runs in a child process of its own.
    res = subprocess.run(
        [sys.executable, "-c", _VERIFY, str(db)], capture_output=True, text=True, timeout=900
    )
    if res.returncode != 0:
        last = (res.stderr.strip().splitlines() or ["no output"])[-1]
        return {"ok": False, "entries": 0, "reason": f"verify failed: {last}", "seq": None}
    return dict(json.loads(res.stdout))


def certificate(config: Config, now: datetime) -> list[Finding]:
    from edge.security import tls

    info = tls.current(config)
    if info is None:
        return [Finding("tls", "ok", "no certificate yet; the service makes one at start")]
    not_after = _parse_utc(info.not_after)
    if not_after is None:
        return [Finding("tls", "fail", f"unreadable expiry {info.not_after!r}", RENEW)]
    detail = f"expires {not_after:%Y-%m-%d} (fingerprint {tls.colons(info.fingerprint)[:23]}…)"
    left = not_after - now
    if left <= timedelta(0):
        return [Finding("tls", "fail", f"certificate expired {not_after:%Y-%m-%d}", RENEW)]
    if left < timedelta(days=CERT_WARN_DAYS):
        return [Finding("tls", "warn", detail, RENEW)]
    return [Finding("tls", "ok", detail)]


def meta(db: Path, key: str) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM box_meta WHERE key = ?", [key]).fetchone()
    except sqlite3.Error:
        row = None
    finally:
        conn.close()
    return row[0] if row else ""


def device_findings(summary: Mapping[str, str]) -> list[Finding]:
    """One finding per device kind from its state (the service's or a probe's)."""
    out = []
    for kind, state in summary.items():
        if state in ("ok", "disabled"):
            out.append(Finding(f"device:{kind}", "ok", state))
        else:
            out.append(
                Finding(
                    f"device:{kind}",
                    "warn",
                    f"{state}",
                    "check the cable and power; `tilledge devices` shows the detail",
                )
            )
    return out


def mail_outbox(config: Config, now: datetime) -> list[Finding]:
    """The password file the sender reads, and mails that need a person."""
    cfg = config.mail
    if not cfg.host:
        return [Finding("mail", "ok", "not configured: no e-mail is sent")]
    out = []
    if cfg.password_file:
        secret = Path(cfg.password_file)
        if not os.access(secret, os.R_OK):
            out.append(
                Finding(
                    "mail",
                    "fail",
                    f"mail.password_file {secret} is missing or not readable",
                    f"write the SMTP password to {secret}, readable by the service user",
                )
            )
        elif secret.stat().st_mode & 0o077:
            out.append(
                Finding("mail", "warn", f"{secret} is readable by others", f"chmod 600 {secret}")
            )
    if config.db_path.exists():
        conn = connect(config.db_path, readonly=True)
        try:
            summary = mail.outbox_summary(conn)
        except sqlite3.Error:  # not migrated yet: the database check says so
            summary = {"queued": 0, "failed": 0, "uncertain": 0, "oldest_queued_s": None}
        finally:
            conn.close()
        stuck = summary["oldest_queued_s"] or 0
        if summary["failed"] or summary["uncertain"]:
            out.append(
                Finding(
                    "mail",
                    "warn",
                    f"{summary['failed']} failed, {summary['uncertain']} uncertain mail(s)",
                    "`tilledge mail status` lists them; `tilledge mail resend ID` after a look",
                )
            )
        if stuck > MAIL_STUCK_S:
            out.append(
                Finding(
                    "mail",
                    "warn",
                    f"a mail has waited {stuck // 60} min (last error: `tilledge mail status`)",
                    f"check the server and settings: `tilledge mail test {cfg.from_address}`",
                )
            )
    return out or [Finding("mail", "ok", f"via {cfg.host}:{cfg.port} ({cfg.security})")]


def backup_age(config: Config, now: datetime) -> list[Finding]:
    db = config.db_path
    if not db.exists():
        return []
    recorded = meta(db, LAST_BACKUP_KEY)
    when = _parse_utc(recorded) if recorded else None
    if when is None:
        return [Finding("backup", "warn", "no backup recorded", BACKUP_FIX)]
    age = now - when
    detail = f"last backup {when:%Y-%m-%d %H:%M} UTC ({age.days} day(s) ago)"
    if age > BACKUP_WARN_AGE:
        return [Finding("backup", "warn", detail, BACKUP_FIX)]
    return [Finding("backup", "ok", detail)]
