"""The box certificate, pinning against the real TLS server (granian), and the
serve command's refusal of plain HTTP off loopback."""

from __future__ import annotations

import hashlib
import socket
import ssl
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Flask

from edge.cli import cli
from edge.security import tls
from edge.serving.server import Server


@pytest.fixture
def cert(tmp_path: Path) -> tls.CertInfo:
    return tls.generate(
        tmp_path / "tls" / "cert.pem",
        tmp_path / "tls" / "key.pem",
        common_name="Café Test",
        hostnames=["box.local"],
    )


def test_generated_certificate(cert: tls.CertInfo) -> None:
    parsed = x509.load_pem_x509_certificate(cert.cert_path.read_bytes())
    der = parsed.public_bytes(serialization.Encoding.DER)
    assert cert.fingerprint == hashlib.sha256(der).hexdigest()
    assert "box.local" in cert.names and "127.0.0.1" in cert.names
    assert stat.S_IMODE(cert.key_path.stat().st_mode) == 0o600
    bc = parsed.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert bc.ca is False
    assert tls.normalize_fingerprint(tls.colons(cert.fingerprint)) == cert.fingerprint


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1:DeprecationWarning")
def test_pinned_handshake_against_the_server(app: Flask, cert: tls.CertInfo) -> None:
    server = Server(app, "127.0.0.1", 0, threads=2, cert=(cert.cert_path, cert.key_path))
    server.prepare()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.bound_port
        with tls.pinned_connect("127.0.0.1", port, cert.fingerprint, timeout=5) as sock:
            assert sock.version() in ("TLSv1.2", "TLSv1.3")
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert sock.recv(64).startswith(b"HTTP/1.1 200")
        wrong = "00" * 32
        with pytest.raises(tls.FingerprintMismatch):
            tls.pinned_connect("127.0.0.1", port, wrong, timeout=5)
        # An old client that insists on TLS 1.1 is refused.
        ctx = tls.pinned_context()
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            with pytest.raises((ssl.SSLError, OSError)):
                ctx.wrap_socket(raw, server_hostname="x")
        finally:
            raw.close()
    finally:
        server.stop()
        thread.join(timeout=10)


def _cfg(tmp_path: Path) -> Path:
    path = tmp_path / "tilledge.toml"
    path.write_text(f'[box]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    return path


def test_serve_refuses_off_loopback_without_tls(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    for extra in (["--tls", "off"], []):  # auto without a provisioned certificate
        r = CliRunner().invoke(
            cli, ["--config", str(cfg), "serve", "--listen", "0.0.0.0:0", *extra]
        )
        assert r.exit_code != 0 and "only loopback" in r.stderr


def test_tls_cli_generate_and_show(tmp_path: Path) -> None:
    import json

    cfg = _cfg(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(cfg), "tls", "show"]).exit_code != 0
    gen = runner.invoke(cli, ["--config", str(cfg), "tls", "generate", "--json"])
    assert gen.exit_code == 0, gen.stderr
    shown = runner.invoke(cli, ["--config", str(cfg), "tls", "show", "--json"])
    assert json.loads(shown.stdout)["fingerprint"] == json.loads(gen.stdout)["fingerprint"]
    again = runner.invoke(cli, ["--config", str(cfg), "tls", "generate"])
    assert again.exit_code != 0 and "--force" in again.stderr


def test_pkcs8_key_for_granian(cert: tls.CertInfo, tmp_path: Path) -> None:
    # Ours is PKCS#8 already: used as it is.
    assert tls.pkcs8_key(cert, tmp_path) == cert.key_path
    # An imported key in the traditional OpenSSL form gets a PKCS#8 copy, 0600.
    key = serialization.load_pem_private_key(cert.key_path.read_bytes(), password=None)
    legacy = tmp_path / "legacy.pem"
    legacy.write_bytes(
        key.private_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    assert legacy.read_bytes().startswith(b"-----BEGIN EC PRIVATE KEY-----")
    imported = tls.CertInfo(cert.cert_path, legacy, cert.fingerprint, cert.not_after, cert.names)
    out = tls.pkcs8_key(imported, tmp_path)
    assert out != legacy and out.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    again = serialization.load_pem_private_key(out.read_bytes(), password=None)
    assert again.public_key().public_numbers() == key.public_key().public_numbers()  # type: ignore[union-attr]
