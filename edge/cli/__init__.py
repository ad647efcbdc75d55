"""The ``tilledge`` command line for technicians.

The root group and its shared helpers are :mod:`edge.cli.group`; the command
modules add to it and are all loaded here, the one place that does, so
:data:`cli` (and the ``tilledge = edge.cli:main`` entry point) is complete.
May import every ``edge.cli`` module.
"""

from __future__ import annotations

import os

from edge.cli import (  # noqa: F401  (imported for their commands)
    backup_commands,
    customer_commands,
    customer_io_commands,
    db_commands,
    device_commands,
    doctor,
    firewall_commands,
    invoice_commands,
    ledger_commands,
    mail_commands,
    provision_commands,
    security_commands,
    sepa_commands,
    serve_commands,
    subscription_commands,
    support_commands,
)
from edge.cli.group import PRIVATE_UMASK, cli, fail
from edge.errors import StorageFull
from edge.platform.preflight import EXIT_CODES

__all__ = ["cli", "main"]


def main() -> None:
    # Here, at process start, not in the group: tests invoke ``cli`` in-process.
    os.umask(PRIVATE_UMASK)
    try:
        cli(prog_name="tilledge")
    except StorageFull as e:  # the disk filled up after the start-up checks
        fail(e.detail, EXIT_CODES["full"])
