"""What ``tilledge serve`` does with the hardware once it listens.

Owns bringing the devices up for the running service and queueing the boot
status slip with where terminals reach the box and the certificate they pin.
Here, not in ``edge.devices``, because it needs the listening address and the
TLS certificate, which are the server's. May import ``edge.devices``,
``edge.security`` and ``edge.platform``.
"""

from __future__ import annotations

import logging

from edge.devices.manager import DeviceManager, attach
from edge.platform.box import Box
from edge.security import tls
from edge.serving.discovery import WILDCARDS

log = logging.getLogger(__name__)

__all__ = ["service_addresses", "start_for_serve"]


def service_addresses(box: Box, host: str, port: int, scheme: str) -> list[str]:
    """Where terminals reach the box: the listen host, or each announced interface."""
    hosts = [host]
    if host in WILDCARDS:
        hosts = list(box.config.discovery.interfaces) or ["127.0.0.1"]
    return [f"{scheme}://{h if ':' not in h else f'[{h}]'}:{port}" for h in hosts]


def start_for_serve(
    box: Box, *, host: str, port: int, scheme: str, tls_fingerprint: str | None
) -> DeviceManager:
    """Devices up, then the boot slip (``tls_fingerprint`` None: the stored certificate's)."""
    manager = attach(box)
    if tls_fingerprint is None:
        tls_fingerprint = tls.current_fingerprint(box.config)
    try:
        manager.print_boot_slip(
            addresses=service_addresses(box, host, port, scheme), tls_fingerprint=tls_fingerprint
        )
    except Exception:  # a slip is a convenience; the service runs without it
        log.exception("boot status slip could not be queued")
    return manager
