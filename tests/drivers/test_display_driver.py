"""Customer display over a real pty: byte-exact checks of both command sets."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.display import CD5220Display, CustomerDisplay, EpsonDisplay, make_protocol
from tests.support.drivers import Events, wait_until
from tests.support.fakes import Pty

GREETING = ["Grüße Jürgen", "Guthaben 12,50 €"]
SPECIALS = "ÄÖÜ äöü ß €"


@pytest.fixture
def pty(tmp_path: Path) -> Iterator[Pty]:
    p = Pty(tmp_path / "ttyDISPLAY")
    yield p
    if p.link.exists():
        p.unplug()


def test_epson_encoder_bytes() -> None:
    e = EpsonDisplay()
    assert e.init() == b"\x1b@" + b"\x1bt\x13" + b"\x1f\x01"
    assert e.encode(SPECIALS) == bytes.fromhex("8e999a20849481 20 e1 20 d5".replace(" ", ""))
    assert e.cursor(3, 2) == b"\x1f$\x03\x02"
    assert e.clear() == b"\x0c"


def test_cd5220_encoder_bytes_and_fallbacks() -> None:
    c = CD5220Display()
    assert c.init() == b"\x1b@\x1bfA"
    # PC437 has the umlauts and ß where CP858 has them, but no euro sign.
    assert c.encode(SPECIALS) == bytes.fromhex("8e999a2084948120e120") + b"EUR"
    ascii_only = make_protocol("cd5220", codepage="ASCII")
    assert ascii_only.fold("Grüße ÄÖÜ € Łódź") == "Gruesse AeOeUe EUR Lodz"
    assert make_protocol("epson", codepage="WPC1252").encode("€ä") == b"\x80\xe4"
    clone = make_protocol("cd5220", codepage="pc858")
    assert clone.init() == b"\x1b@\x1bfA\x1bt\x13"
    assert clone.encode("12 €") == b"12 \xd5"
    with pytest.raises(ValueError):
        make_protocol("epson", codepage="PC999")
    with pytest.raises(ValueError):
        make_protocol("cd5220", rows=4)


def _line(text: bytes, width: int = 20) -> bytes:
    return text + b" " * (width - len(text))


def test_epson_over_pty_exact_bytes(pty: Pty) -> None:
    d = CustomerDisplay(str(pty.link), "epson", idle_text=["Willkommen", ""])
    d.start()
    try:
        init = b"\x1b@\x1bt\x13\x1f\x01"
        idle = b"\x1f$\x01\x01" + _line(b"Willkommen") + b"\x1f$\x01\x02" + _line(b"")
        assert pty.wait_for(init + idle) == init + idle
        pty.take()

        d.show(GREETING)
        want = (
            b"\x1f$\x01\x01"
            + _line(b"Gr\x81\xe1e J\x81rgen")
            + b"\x1f$\x01\x02"
            + _line(b"Guthaben 12,50 \xd5")
        )
        assert pty.wait_for(want) == want
        assert d.current_text() == ["Grüße Jürgen".ljust(20), "Guthaben 12,50 €".ljust(20)]
        pty.take()

        d.clear()
        assert pty.wait_for(b"\x0c") == b"\x0c"
        assert d.current_text() == [" " * 20] * 2
    finally:
        d.stop()


def test_cd5220_over_pty_exact_bytes(pty: Pty) -> None:
    d = CustomerDisplay(str(pty.link), "cd5220", idle_text=["Hallo", ""])
    d.start()
    try:
        start = b"\x1b@\x1bfA" + b"\x1bQA" + _line(b"Hallo") + b"\r\x1bQB" + _line(b"") + b"\r"
        assert pty.wait_for(start) == start
        pty.take()
        d.show(["Grüße Jürgen", "Summe 12,50 €"])
        want = (
            b"\x1bQA" + _line(b"Gr\x81\xe1e J\x81rgen") + b"\r"
            b"\x1bQB" + _line(b"Summe 12,50 EUR") + b"\r"
        )
        assert pty.wait_for(want) == want
        assert d.current_text()[1] == "Summe 12,50 EUR".ljust(20)
    finally:
        d.stop()


def test_marquee_scrolls_long_lines(pty: Pty) -> None:
    text = "Heute: Äpfel 2 für 1 – nur solange der Vorrat reicht"
    d = CustomerDisplay(str(pty.link), "cd5220", idle_text=["", ""], scroll_interval=0.02)
    d.start()
    try:
        blank = b"\x1b@\x1bfA" + b"\x1bQA" + _line(b"") + b"\r\x1bQB" + _line(b"") + b"\r"
        assert pty.wait_for(blank) == blank
        pty.take()
        d.show([text, "kurz"])
        folded = d.lines[0]
        assert folded == text.replace("–", "-")  # en dash is not in PC437
        loop = folded + "   "
        frames = [loop[k:] + loop[:k] for k in range(3)]
        want = b"".join(
            b"\x1bQA" + f[:20].encode("cp437") + b"\r" + b"\x1bQB" + _line(b"kurz") + b"\r"
            for f in frames
        )
        assert pty.wait_for(want)[: len(want)] == want
        wait_until(lambda: d.current_text()[0] != frames[0][:20])
        # Wrapping around: after len(loop) steps the text starts over.
        wait_until(lambda: d.current_text()[0] == frames[0][:20], timeout=10)
    finally:
        d.stop()


def test_unplug_goes_offline_and_replug_restores_last_text(tmp_path: Path) -> None:
    link = tmp_path / "ttyDISPLAY"
    first = Pty(link)
    states = Events()
    d = CustomerDisplay(
        str(link),
        "epson",
        idle_text=["Willkommen", ""],
        on_state=states,
        probe_interval=0.05,
        backoff_initial=0.02,
        backoff_max=0.1,
    )
    d.start()
    second: Pty | None = None
    try:
        states.wait_for(lambda a: a[1] == "ok")
        d.show(["Guthaben", "7,00 €"])
        first.wait_endswith(b"\x1f$\x01\x02" + _line(b"7,00 \xd5"))
        first.unplug()
        states.wait_for(lambda a: a[1] == "offline")
        d.show(["Guthaben", "9,50 €"])  # wanted while unplugged
        assert d.current_text()[1].rstrip() == "9,50 €"

        second = Pty(link)
        states.wait_for(lambda a: a[1] == "ok" and len(states.args) >= 3)
        want = (
            b"\x1b@\x1bt\x13\x1f\x01"
            + b"\x1f$\x01\x01"
            + _line(b"Guthaben")
            + b"\x1f$\x01\x02"
            + _line(b"9,50 \xd5")
        )
        assert second.wait_for(want) == want
        assert [a[1] for a in states.args] == ["ok", "offline", "ok"]
    finally:
        d.stop()
        if second is not None:
            second.unplug()


def test_simulated_display_keeps_text_and_reverts_to_idle() -> None:
    states, changes = Events(), Events()
    d = CustomerDisplay(
        "sim:", "epson", idle_text=["Willkommen", ""], on_state=states, on_change=changes
    )
    with d:
        states.wait_for(lambda a: a == ("display", "ok", "simulated"))
        changes.wait_for(lambda a: a == ("display", ["Willkommen".ljust(20), " " * 20]))
        d.show(["Hallo Jürgen", "Guthaben 5,00 €"], timeout=0.5)
        assert d.current_text() == ["Hallo Jürgen".ljust(20), "Guthaben 5,00 €".ljust(20)]
        wait_until(lambda: d.current_text()[0].rstrip() == "Willkommen")
        idle = ("display", ["Willkommen".ljust(20), " " * 20])
        wait_until(lambda: len(changes.args) >= 3 and changes.args[-1] == idle)
        hello = ("display", ["Hallo Jürgen".ljust(20), "Guthaben 5,00 €".ljust(20)])
        assert changes.args == [idle, hello, idle]


def test_pyserial_socket_url_transport() -> None:
    # A display behind a serial-to-Ethernet converter: pyserial's socket:// URL.
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    d = CustomerDisplay(f"socket://127.0.0.1:{port}", "cd5220", idle_text=["A", "B"])
    d.start()
    try:
        server.settimeout(5)
        conn, _ = server.accept()
        conn.settimeout(5)
        expected = b"\x1b@\x1bfA\x1bQA" + _line(b"A") + b"\r\x1bQB" + _line(b"B") + b"\r"
        got = b""
        while len(got) < len(expected):
            chunk = conn.recv(4096)
            assert chunk, f"connection closed after {got!r}"
            got += chunk
        assert got == expected
        conn.close()
    finally:
        d.stop()
        server.close()
