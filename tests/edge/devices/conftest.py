"""Fixtures of the device service tests: the display's pty, a free emulated-reader
URI, a network printer (the service itself is built per test file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.nfc_sim import free_udp_port
from tests.support.devices import Pty, TcpPrinter


@pytest.fixture
def pty(tmp_path: Path) -> Iterator[Pty]:
    p = Pty(tmp_path / "tilledge-display")
    yield p
    p.close()


@pytest.fixture
def nfc_uri() -> str:
    return f"udp:127.0.0.1:{free_udp_port()}"


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    p = TcpPrinter()
    yield p
    p.close()
