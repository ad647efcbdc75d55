"""Configuration: one TOML file, every key optional, env overrides (SPEC §7).

The schema is a tree of pydantic models with ``extra="forbid"`` and strict
types, so an unknown key or a wrong type stops the service at start with a
message naming the key (``ledger.max_topup: …``). Environment variables
``TILLEDGE_<SECTION>_<KEY>`` override single scalar keys; their value is read
as a TOML literal when it is one (``5000``, ``true``, ``"x"``), else as text.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

DEFAULT_PATH = Path("/etc/tilledge/tilledge.toml")
ENV_FILE = "TILLEDGE_CONFIG"
ENV_PREFIX = "TILLEDGE_"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class BoxConfig(_Section):
    name: str = "TillEdge"
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    country: str = Field("DE", pattern=r"^[A-Z]{2}$")
    data_dir: str = "/var/lib/tilledge"
    # What a receipt must carry about the seller (SPEC §5 "Receipts").
    address: list[str] = Field(default_factory=list)
    vat_id: str = ""
    tax_number: str = ""
    # Receipts show local time; the journal stays in UTC.
    timezone: str = "Europe/Berlin"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {v!r}; use an IANA name like Europe/Berlin"
            ) from None
        return v


class ServerConfig(_Section):
    listen: str = "127.0.0.1:8080"
    threads: int = Field(32, ge=2, le=512)
    # "auto": TLS on any address but loopback, plain HTTP on loopback.
    tls: Literal["auto", "on", "off"] = "auto"
    # Most write operations the writer puts into one commit (group commit);
    # 1 = one commit per operation (only useful to measure the difference).
    write_batch: int = Field(128, ge=1, le=10000)
    # Requests that may run Python code at once (the rest wait their turn;
    # event streams are exempt). 0 = no limit. See edge/serving/server.py.
    active_requests: int = Field(4, ge=0, le=512)
    # Processes serving the API. CPython runs Python on one core per process;
    # more workers use more cores (edge/workers.py). 1 = a single process.
    workers: int = Field(1, ge=1, le=16)
    # granian closes a connection whose request headers have not all arrived
    # in this many seconds (slowloris); see edge/serving/server.py.
    header_timeout: float = Field(10.0, ge=1.0, le=60.0)
    # Open event streams (GET /api/v1/events): per token (429 beyond) and in
    # total (503 beyond). Each costs a coroutine, not a thread.
    streams_per_token: int = Field(8, ge=1, le=10000)
    streams_total: int = Field(1000, ge=1, le=100000)
    # The box firewall (tilledge firewall apply, edge/serving/limits.py):
    # open connections one client address may hold on the served port, and
    # new ones per second it may open (0 = no rate limit). granian has no
    # per-address cap; the kernel refuses the rest with a TCP reset.
    connections_per_address: int = Field(64, ge=1, le=100000)
    new_connections_per_second: int = Field(20, ge=0, le=100000)

    @field_validator("listen")
    @classmethod
    def _host_port(cls, v: str) -> str:
        host, sep, port = v.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("expected HOST:PORT, e.g. 127.0.0.1:8080")
        return v


class BonusTier(_Section):
    from_: int = Field(0, alias="from", ge=0)
    rate_bp: int = Field(0, ge=0, le=10000)


class LedgerConfig(_Section):
    max_topup: int = Field(50000, gt=0, le=10**12)
    max_balance: int = Field(0, ge=0, le=10**12)
    topup_bonus: list[BonusTier] = Field(default_factory=lambda: [BonusTier()])
    points_per_eur: int = Field(1, ge=0, le=10000)
    point_value: int = Field(1, ge=1, le=10**6)


class CustomersConfig(_Section):
    next_number: int = Field(10000, ge=1)
    age_alert_years: int = Field(18, ge=0, le=150)
    ssn_unique: bool = False
    # Customer exports stay downloadable this long in <data_dir>/exports/.
    export_keep_hours: int = Field(24, ge=1, le=24 * 30)
    # An uploaded import file (panel) larger than this is refused before it is stored.
    import_max_mb: int = Field(50, ge=1, le=1024)


class GdprConfig(_Section):
    # What the law makes the shop keep of an erased customer (journal,
    # invoices, mandates: §147 AO, §257 HGB) stays this long under a pseudonym.
    retention_years: int = Field(10, ge=1, le=30)


class NfcReaderConfig(_Section):
    name: str = "reader-1"
    # nfcpy device path: usb:054c:06c3, tty:USB0:pn532, udp:127.0.0.1:54321
    uri: str = "udp:127.0.0.1:54321"
    terminal: str = ""


class NfcConfig(_Section):
    enabled: bool = True
    readers: list[NfcReaderConfig] = Field(default_factory=lambda: [NfcReaderConfig()])


class PrinterConfig(_Section):
    enabled: bool = True
    # file:PATH (dir for the simulated printer), tcp:HOST:PORT, usb:VID:PID, serial:DEV
    uri: str = "sim:receipts"
    profile: str = "default"
    width: int = Field(42, ge=16, le=80)
    codepage: str = "CP858"
    # A status slip (addresses, TLS fingerprint, pairing hint) at every service start.
    boot_slip: bool = True
    # Outbox: retry an offline/paper-out printer with backoff up to retry_max_s
    # between attempts; a job not printed within give_up_s ends "failed".
    retry_max_s: int = Field(10, ge=1, le=3600)
    give_up_s: int = Field(3600, ge=1)
    # Network printers: connect and write timeout (no byte taken for this
    # long: the printer is "stalled"), and the real-time status query DLE EOT
    # before and after each job ("auto": used once the printer answers; one
    # that never answers is printed to without it).
    timeout_s: float = Field(5.0, gt=0, le=120)
    status_query: Literal["auto", "on", "off"] = "auto"
    status_timeout_s: float = Field(0.5, gt=0, le=30)


class DisplayConfig(_Section):
    enabled: bool = True
    # sim:, a device path (/dev/ttyUSB0) or any pyserial URL (socket://…)
    uri: str = "sim:"
    protocol: Literal["epson", "cd5220"] = "epson"
    baudrate: int = 9600
    columns: int = Field(20, ge=8, le=80)
    rows: int = Field(2, ge=1, le=4)
    idle_text: list[str] = Field(default_factory=lambda: ["Willkommen", ""])
    codepage: str = ""  # empty: the protocol's default (epson PC858, cd5220 PC437)
    message_s: int = Field(20, ge=1, le=3600)  # greeting/total shown before idle text


class DevicesConfig(_Section):
    language: Literal["de", "en"] = "de"  # customer-facing texts: display, receipts
    nfc: NfcConfig = NfcConfig()
    printer: PrinterConfig = PrinterConfig()
    display: DisplayConfig = DisplayConfig()


class DiscoveryConfig(_Section):
    enabled: bool = True
    # Loopback only by default: development machines and CI never announce
    # anything on a real network. Provisioning writes a box's LAN addresses.
    interfaces: list[str] = Field(default_factory=lambda: ["127.0.0.1"])


class SecurityConfig(_Section):
    login_max_failures: int = Field(5, ge=1)
    login_lockout_seconds: int = Field(300, ge=1)
    session_hours: int = Field(12, ge=1)
    pairing_code_minutes: int = Field(10, ge=1, le=60)
    # Failed pairing attempts / logins one client address may make per window
    # (pairing: the code's lifetime; login: login_lockout_seconds) before 429.
    pairing_max_failures: int = Field(5, ge=1)
    login_max_failures_per_client: int = Field(20, ge=1)
    # Password hashes (argon2id, ~64 MiB and tens of ms of a core each) at
    # once per process; `login_queue` more wait up to `login_queue_seconds`,
    # beyond that a login is answered 429 at once (edge/security/hash_gate.py).
    login_hash_concurrency: int = Field(1, ge=1, le=16)
    login_queue: int = Field(4, ge=0, le=64)
    login_queue_seconds: float = Field(1.0, ge=0, le=10)
    # An account with login_max_failures failures from anywhere is only
    # slowed elsewhere: an address that failed on it waits this long between tries.
    login_slowdown_seconds: int = Field(3, ge=1, le=300)
    # TLS certificate and key (PEM); empty: <data_dir>/tls/cert.pem and key.pem,
    # generated self-signed on first need.
    tls_cert: str = ""
    tls_key: str = ""


class InvoicesConfig(_Section):
    """BACKOFFICE §8: how invoice numbers look and when an invoice is due."""

    # Gapless per box; the sequence restarts each calendar year when the
    # format names {year}. Only {year} and {seq} (with a format spec) exist.
    number_format: str = Field("RE-{year}-{seq:05d}", min_length=1, max_length=64)
    # Due date = issue date + these days, unless the customer has their own.
    payment_terms_days: int = Field(14, ge=0, le=3650)

    @field_validator("number_format")
    @classmethod
    def _formats(cls, v: str) -> str:
        if "{seq" not in v:
            raise ValueError("the format must contain {seq}, e.g. RE-{year}-{seq:05d}")
        try:
            sample = v.format(year=2026, seq=1)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(f"not a format of {{year}} and {{seq}}: {e}") from None
        if sample == v.format(year=2026, seq=2):
            raise ValueError("{seq} must show in the number")
        return v


class DunningConfig(_Section):
    """BACKOFFICE §9: when reminders go out and what each level charges."""

    level1_days: int = Field(7, ge=0, le=365)  # after the due date
    level2_days: int = Field(14, ge=0, le=365)  # after the level-1 reminder
    level3_days: int = Field(14, ge=0, le=365)  # after the level-2 reminder
    level1_fee: int = Field(0, ge=0, le=10**9)
    level2_fee: int = Field(500, ge=0, le=10**9)
    level3_fee: int = Field(1000, ge=0, le=10**9)
    # Default interest per year on the open principal since the due date, in
    # basis points (0 = none; the law allows 9 points above the base rate for
    # businesses, 5 for consumers: the box does not know the base rate).
    interest_bp_per_year: int = Field(0, ge=0, le=10000)
    # §288(5) BGB: 4000 flat once from a business customer in default.
    business_flat_fee: bool = False


class SepaConfig(_Section):
    """BACKOFFICE §10: the creditor of the SEPA direct debit files (docs/sepa.md).

    Empty name/id/iban/bic: no file can be made (the pre-flight names the key);
    the values are checked there, not here, so a box without SEPA still starts."""

    creditor_name: str = Field("", max_length=70)
    creditor_id: str = ""  # Gläubiger-Identifikationsnummer, e.g. DE98ZZZ09999999999
    iban: str = ""
    bic: str = ""
    street: str = ""
    building: str = ""
    postcode: str = ""
    town: str = ""
    country: str = Field("DE", pattern=r"^[A-Z]{2}$")
    # Days between the invoice (its pre-notification) and the collection date.
    prenotification_days: int = Field(14, ge=1, le=365)
    # Charged (minor units) on the invoice when the bank returns a debit.
    return_fee: int = Field(0, ge=0, le=10**9)


class BackupConfig(_Section):
    # Empty: <data_dir>-backups beside the data directory (/var/lib/tilledge-backups).
    dir: str = ""
    keep_daily: int = Field(7, ge=1)
    keep_weekly: int = Field(4, ge=0)
    # One of the two, so the timer's `tilledge backup` needs no options.
    passphrase_file: str = ""
    key_file: str = ""

    def target(self, data_path: Path) -> Path:
        return Path(self.dir) if self.dir else data_path.with_name(f"{data_path.name}-backups")


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback address (no name is looked up)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class MailConfig(_Section):
    """The SMTP outbox (edge/mail): empty ``host`` = no mail, nothing is queued."""

    host: str = ""
    port: int = Field(587, ge=1, le=65535)
    # starttls: plain connect then STARTTLS (submission, 587); tls: implicit
    # TLS (465); none: no encryption, allowed only to a loopback relay.
    security: Literal["starttls", "tls", "none"] = "starttls"
    user: str = ""  # empty: no AUTH
    # Read at every send, never copied into the database or a log.
    password_file: str = ""
    # PEM file of the CA (or the server's own certificate) to trust instead of
    # the system's; for a relay with a private certificate.
    ca_file: str = ""
    from_address: str = ""
    from_name: str = ""
    timeout_s: float = Field(30.0, gt=0, le=600)
    # Backoff after a temporary failure: retry_initial_s doubling up to
    # retry_max_s; a mail not delivered within give_up_s of being queued is failed.
    retry_initial_s: float = Field(60.0, gt=0, le=86400)
    retry_max_s: float = Field(3600.0, gt=0, le=86400)
    give_up_s: float = Field(3 * 86400.0, gt=0, le=90 * 86400)
    # A sent mail's attachments (copies of documents archived elsewhere) are
    # dropped after this many days; failed and uncertain ones are kept for a resend.
    keep_attachments_days: int = Field(30, ge=1, le=3650)

    @model_validator(mode="after")
    def _usable(self) -> MailConfig:
        if not self.host:
            return self
        if self.security == "none" and not is_loopback_host(self.host):
            raise ValueError(
                f'security = "none" sends the password and the invoices in clear text: '
                f"only allowed to a loopback relay, not {self.host!r}"
            )
        if not self.from_address:
            raise ValueError("from_address is required when host is set")
        if self.password_file and not self.user:
            raise ValueError("password_file without user: set user for SMTP AUTH")
        return self


class GeocodingConfig(_Section):
    """Geodata for delivery addresses from a Nominatim-compatible service
    (edge/customers/delivery/worker.py): empty ``url`` = none, the box may be offline."""

    url: str = ""  # e.g. "https://nominatim.example.org" (its /search is asked)
    # Nominatim's usage policy wants an identifying User-Agent.
    user_agent: str = "TillEdge"
    timeout_s: float = Field(10.0, gt=0, le=120)
    # At most one request per min_interval_s for the whole box (policy: 1/s).
    min_interval_s: float = Field(1.0, ge=1.0, le=3600)
    # A 5xx or timeout is retried after retry_initial_s, doubling up to
    # retry_max_s; after max_attempts tries the address says "failed".
    retry_initial_s: float = Field(30.0, gt=0, le=86400)
    retry_max_s: float = Field(3600.0, gt=0, le=86400)
    max_attempts: int = Field(5, ge=1, le=100)

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        if v and not v.lower().startswith(("http://", "https://")):
            raise ValueError("an http:// or https:// address, or empty for none")
        return v.rstrip("/")


class Config(_Section):
    box: BoxConfig = BoxConfig()
    server: ServerConfig = ServerConfig()
    ledger: LedgerConfig = LedgerConfig()
    customers: CustomersConfig = CustomersConfig()
    gdpr: GdprConfig = GdprConfig()
    devices: DevicesConfig = DevicesConfig()
    discovery: DiscoveryConfig = DiscoveryConfig()
    security: SecurityConfig = SecurityConfig()
    invoices: InvoicesConfig = InvoicesConfig()
    dunning: DunningConfig = DunningConfig()
    sepa: SepaConfig = SepaConfig()
    backup: BackupConfig = BackupConfig()
    mail: MailConfig = MailConfig()
    geocoding: GeocodingConfig = GeocodingConfig()

    @property
    def data_path(self) -> Path:
        return Path(self.box.data_dir)

    @property
    def db_path(self) -> Path:
        return self.data_path / "tilledge.db"


def _env_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _apply_env(data: dict[str, Any], environ: dict[str, str]) -> None:
    sections = {name: field for name, field in Config.model_fields.items()}
    for var, raw in environ.items():
        if not var.startswith(ENV_PREFIX) or var == ENV_FILE:
            continue
        rest = var[len(ENV_PREFIX) :].lower()
        section, _, key = rest.partition("_")
        if section not in sections or not key:
            continue
        model = sections[section].annotation
        fields = getattr(model, "model_fields", {})
        if key not in fields:
            raise ConfigError(f"{var}: no key {section}.{key}")
        data.setdefault(section, {})[key] = _env_value(raw)


def _format_errors(err: ValidationError, source: str) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            parts.append(f"{loc}: unknown key")
        else:
            parts.append(f"{loc}: {e['msg']}")
    return f"{source}: " + "; ".join(parts)


def load_config(
    path: str | os.PathLike[str] | None = None,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> Config:
    """Read the TOML file (or none), apply env and explicit overrides, validate.

    ``path=None`` uses ``$TILLEDGE_CONFIG`` or ``/etc/tilledge/tilledge.toml``
    when they exist, else the embedded defaults.
    """
    environ = dict(os.environ if environ is None else environ)
    source = "defaults"
    data: dict[str, Any] = {}
    if path is None and environ.get(ENV_FILE):
        path = environ[ENV_FILE]
    elif path is None and DEFAULT_PATH.exists():
        path = DEFAULT_PATH
    if path is not None:
        source = str(path)
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as e:
            raise ConfigError(f"{source}: file not found") from e
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{source}: not valid TOML: {e}") from e
    _apply_env(data, environ)
    for dotted, value in (overrides or {}).items():
        node = data
        *parents, leaf = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_format_errors(e, source)) from e
