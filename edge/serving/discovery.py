"""Zeroconf (mDNS/DNS-SD): the box announces ``_tilledge._tcp`` so terminals
find it, and ``browse`` lists boxes for ``tilledge discover``.

One shared :class:`zeroconf.Zeroconf` per process, bound only to the
configured interface addresses (``[discovery] interfaces``; the default is
loopback, so development machines and CI never announce on a real network).
The TXT record carries what a terminal needs before it trusts the box: box
id, name, version, API base path and the SHA-256 fingerprint of the TLS
certificate to pin. Library errors are caught here, at the boundary: a box
that cannot announce itself still serves its terminals.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from typing import Any

from zeroconf import ServiceBrowser, ServiceInfo, ServiceStateChange, Zeroconf

from edge.platform.version import VERSION

log = logging.getLogger(__name__)

SERVICE_TYPE = "_tilledge._tcp.local."
TXT_VERSION = "1"
WILDCARDS = {"", "0.0.0.0", "::"}


def _instance_name(name: str, box_id: str) -> str:
    # DNS-SD instance labels are at most 63 bytes; keep the id, trim the name.
    suffix = f" ({box_id})"
    base = name.replace(".", " ").strip() or "TillEdge"
    while len((base + suffix).encode()) > 63:
        base = base[:-1]
    return f"{base}{suffix}.{SERVICE_TYPE}"


class Announcer:
    """Advertise one box; ``update`` re-announces changed TXT, ``stop`` withdraws."""

    def __init__(
        self,
        *,
        interfaces: list[str],
        box_id: str,
        name: str,
        version: str,
        port: int,
        listen_host: str = "",
        api_path: str = "/api/v1",
        tls_sha256: str | None = None,
    ) -> None:
        self.interfaces = list(interfaces)
        self.box_id = box_id
        self.port = port
        hosts = self.interfaces if listen_host in WILDCARDS else [listen_host]
        self.addresses = [str(ipaddress.ip_address(h)) for h in hosts if _is_ip(h)]
        self.props: dict[str, str] = {
            "txtvers": TXT_VERSION,
            "box_id": box_id,
            "name": name,
            "version": version,
            "api": api_path,
            "scheme": "https" if tls_sha256 else "http",
            "tls_sha256": tls_sha256 or "",
        }
        self._zc: Zeroconf | None = None
        self._info: ServiceInfo | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.registered = threading.Event()

    def _make_info(self) -> ServiceInfo:
        return ServiceInfo(
            SERVICE_TYPE,
            _instance_name(self.props["name"], self.box_id),
            parsed_addresses=self.addresses,
            port=self.port,
            properties=dict(self.props),
            server=f"tilledge-{self.box_id}.local.",
        )

    def start(self, *, background: bool = True) -> None:
        """Register; in the background by default (probing takes ~1.5 s and
        must not delay serving)."""
        if background:
            self._thread = threading.Thread(target=self._register, name="zeroconf", daemon=True)
            self._thread.start()
        else:
            self._register()

    def _register(self) -> None:
        with self._lock:
            try:
                self._zc = Zeroconf(interfaces=self.interfaces)  # type: ignore[arg-type]
                info = self._make_info()
                self._zc.register_service(info, allow_name_change=True)
                self._info = info
                self.registered.set()
                log.info("announced %s on %s", info.name, ", ".join(self.interfaces))
            except Exception:
                log.warning("zeroconf announcement failed; serving without it", exc_info=True)

    def update(self, **props: str) -> None:
        """Change TXT entries (name, fingerprint …) and re-announce them."""
        with self._lock:
            self.props.update({k: str(v) for k, v in props.items()})
            if self._zc is None or self._info is None:
                return
            info = self._make_info()
            info.name = self._info.name  # keep a name we may have had to change
            try:
                self._zc.update_service(info)
                self._info = info
            except Exception:
                log.warning("zeroconf update failed", exc_info=True)

    def stop(self) -> None:
        """Withdraw the record (goodbye packets, TTL 0) and close the socket."""
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            zc, info = self._zc, self._info
            self._zc = self._info = None
            if zc is None:
                return
            try:
                if info is not None:
                    zc.unregister_service(info)
                    log.info("withdrew %s", info.name)
            except Exception:
                log.warning("zeroconf withdrawal failed", exc_info=True)
            finally:
                zc.close()


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def start_for_box(
    box: Any, *, port: int, listen_host: str, tls_sha256: str | None
) -> Announcer | None:
    """Start announcing when ``[discovery] enabled``; withdrawn on ``box.close()``."""
    cfg = box.config.discovery
    if not cfg.enabled or not cfg.interfaces:
        return None
    announcer = Announcer(
        interfaces=list(cfg.interfaces),
        box_id=box.box_id,
        name=box.config.box.name,
        version=VERSION,
        port=port,
        listen_host=listen_host,
        tls_sha256=tls_sha256,
    )
    announcer.start()
    box.services["discovery"] = announcer
    box.on_close(announcer.stop)
    return announcer


def _decode(props: dict[bytes, bytes | None]) -> dict[str, str]:
    return {
        k.decode(errors="replace"): (v or b"").decode(errors="replace") for k, v in props.items()
    }


def browse(timeout: float, *, interfaces: list[str]) -> list[dict[str, Any]]:
    """Boxes that answer within ``timeout`` seconds, resolved, sorted by name."""
    found: dict[str, dict[str, Any]] = {}
    names: set[str] = set()
    lock = threading.Lock()

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        with lock:
            if state_change is ServiceStateChange.Removed:
                names.discard(name)
            else:
                names.add(name)

    zc = Zeroconf(interfaces=interfaces)  # type: ignore[arg-type]
    try:
        browser = ServiceBrowser(zc, SERVICE_TYPE, handlers=[on_change])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.1)
            with lock:
                pending = [n for n in names if n not in found]
            for name in pending:
                info = zc.get_service_info(SERVICE_TYPE, name, timeout=500)
                if info is not None and info.port:
                    found[name] = {
                        "name": name,
                        "host": info.server,
                        "addresses": info.parsed_addresses(),
                        "port": info.port,
                        "properties": _decode(info.properties),
                    }
        browser.cancel()
    finally:
        zc.close()
    with lock:
        live = set(names)
    return sorted((v for k, v in found.items() if k in live), key=lambda b: b["name"])
