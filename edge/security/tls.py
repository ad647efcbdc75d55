"""The box's TLS certificate: self-signed, generated with ``cryptography``,
identified by the SHA-256 fingerprint of its DER encoding.

There is no CA on a shop LAN, so terminals *pin* the fingerprint (read from
the discovery TXT record, ``/health``, the CLI or the boot slip) instead of
validating a chain. The key is ECDSA P-256: small, fast on a Raspberry Pi,
and accepted by every TLS stack a POS terminal runs. The certificate lives
ten years because a pinned certificate is not "renewed" silently: replacing
it means re-pairing, which should be a deliberate act.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from edge.platform.clock import iso
from edge.platform.config import Config

VALID_DAYS = 3650


class FingerprintMismatch(ssl.SSLError):
    """The server's certificate is not the pinned one."""


@dataclass(frozen=True)
class CertInfo:
    cert_path: Path
    key_path: Path
    fingerprint: str  # lowercase hex SHA-256 of the DER certificate
    not_after: str
    names: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cert": str(self.cert_path),
            "key": str(self.key_path),
            "fingerprint": self.fingerprint,
            "fingerprint_colons": colons(self.fingerprint),
            "not_after": self.not_after,
            "names": self.names,
        }


def fingerprint_der(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def colons(fingerprint: str, *, upper: bool = True) -> str:
    """``AB:CD:…`` — the form browsers and ``openssl x509 -fingerprint`` show.

    Takes plain or already grouped hex; ``upper=False`` keeps its case (the
    boot slip prints it as the certificate store has it).
    """
    fp = fingerprint.replace(":", "")
    if upper:
        fp = fp.upper()
    return ":".join(fp[i : i + 2] for i in range(0, len(fp), 2))


def normalize_fingerprint(text: str) -> str:
    """Accept ``ab:cd…``, ``AB CD…``, ``sha256:…``; return plain lowercase hex."""
    text = text.strip().lower().removeprefix("sha256:").removeprefix("sha256=")
    return "".join(c for c in text if c in "0123456789abcdef")


def default_paths(config: Config) -> tuple[Path, Path]:
    sec = config.security
    tls_dir = config.data_path / "tls"
    cert = Path(sec.tls_cert) if sec.tls_cert else tls_dir / "cert.pem"
    key = Path(sec.tls_key) if sec.tls_key else tls_dir / "key.pem"
    return cert, key


def load_info(cert_path: Path, key_path: Path) -> CertInfo:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(n.value) for n in san]
    except x509.ExtensionNotFound:
        names = []
    return CertInfo(
        cert_path=cert_path,
        key_path=key_path,
        fingerprint=fingerprint_der(cert.public_bytes(serialization.Encoding.DER)),
        not_after=iso(cert.not_valid_after_utc, "auto"),
        names=names,
    )


def generate(
    cert_path: Path,
    key_path: Path,
    *,
    common_name: str,
    hostnames: list[str] | None = None,
    ips: list[str] | None = None,
    days: int = VALID_DAYS,
) -> CertInfo:
    """Write a new key (mode 0600) and self-signed certificate; replaces both."""
    key = ec.generate_private_key(ec.SECP256R1())
    dns = list(dict.fromkeys(["localhost", *(hostnames or [])]))
    addrs = list(dict.fromkeys(["127.0.0.1", "::1", *(ips or [])]))
    san: list[x509.GeneralName] = [x509.DNSName(h) for h in dns]
    san += [x509.IPAddress(ipaddress.ip_address(a)) for a in addrs]
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64] or "TillEdge")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))  # tolerate small clock skew
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # unattended start; the file is 0600 instead
    )
    tmp_key = key_path.with_suffix(key_path.suffix + ".tmp")
    fd = os.open(tmp_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    tmp_cert = cert_path.with_suffix(cert_path.suffix + ".tmp")
    tmp_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(tmp_key, key_path)
    os.replace(tmp_cert, cert_path)
    return load_info(cert_path, key_path)


def generate_for(config: Config, box_id: str = "") -> CertInfo:
    cert, key = default_paths(config)
    host = socket.gethostname()
    names = [host, f"{host}.local"] + ([f"tilledge-{box_id}.local"] if box_id else [])
    return generate(cert, key, common_name=config.box.name, hostnames=names)


def ensure(config: Config, box_id: str = "") -> CertInfo:
    """The configured certificate, generated on first need so set-up stays one step."""
    cert, key = default_paths(config)
    if cert.exists() and key.exists():
        return load_info(cert, key)
    if config.security.tls_cert or config.security.tls_key:
        missing = cert if not cert.exists() else key
        raise FileNotFoundError(f"security.tls_cert/tls_key: {missing} does not exist")
    return generate_for(config, box_id)


def current(config: Config) -> CertInfo | None:
    cert, key = default_paths(config)
    if cert.exists() and key.exists():
        return load_info(cert, key)
    return None


def current_fingerprint(config: Config) -> str | None:
    """The box certificate's fingerprint; None while there is none or it is unreadable."""
    try:
        info = current(config)
    except (OSError, ValueError):
        return None
    return info.fingerprint if info else None


def pkcs8_key(info: CertInfo, directory: Path) -> Path:
    """The key as PKCS#8 PEM, which granian (the API workers' server) requires.

    Keys this module generates already are; an imported key in the traditional
    OpenSSL form ("EC PRIVATE KEY", "RSA PRIVATE KEY") is converted into a copy
    only this user can read.
    """
    data = info.key_path.read_bytes()
    if data.lstrip().startswith(b"-----BEGIN PRIVATE KEY-----"):
        return info.key_path
    key = serialization.load_pem_private_key(data, password=None)
    out = directory / "key.pkcs8.pem"
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return out


def pinned_context() -> ssl.SSLContext:
    """A client context that skips chain validation *because* the caller pins."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def check_pin(sock: ssl.SSLSocket, fingerprint: str) -> None:
    der = sock.getpeercert(binary_form=True)
    if der is None or fingerprint_der(der) != normalize_fingerprint(fingerprint):
        sock.close()
        raise FingerprintMismatch("the server certificate does not match the pinned fingerprint")


def pinned_connect(
    host: str, port: int, fingerprint: str, *, timeout: float = 5.0
) -> ssl.SSLSocket:
    """Connect, handshake, and refuse (before any request is sent) unless the
    server's certificate has exactly ``fingerprint``."""
    raw = socket.create_connection((host, port), timeout=timeout)
    try:
        sock = pinned_context().wrap_socket(raw, server_hostname=host)
    except BaseException:
        raw.close()
        raise
    check_pin(sock, fingerprint)
    return sock
