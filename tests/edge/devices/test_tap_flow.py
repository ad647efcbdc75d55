"""Card taps through the whole service: an emulated card over nfcpy's udp
driver → reader thread → lookup → ``card.tapped`` on the live SSE stream
(real HTTP, granian) → greeting bytes on the display's pty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.display import CD5220Display, EpsonDisplay
from drivers.nfc_sim import CardEmulator
from tests.support.devices import (
    Pty,
    Service,
    SSEClient,
    device_config,
    reader_and_display,
    wait_until,
)

UID = "04A1B2C3D4E5F6"


@pytest.fixture
def service(tmp_path: Path, pty: Pty, nfc_uri: str) -> Iterator[Service]:
    config = device_config(
        tmp_path / "data",
        **reader_and_display(nfc_uri, pty.link),
    )
    svc = Service(config)
    wait_until(lambda: svc.devices.summary() == {"nfc": "ok", "printer": "disabled",
                                                 "display": "ok"})  # fmt: skip
    yield svc
    svc.close()


def frame(lines: list[str]) -> bytes:
    """The exact bytes the Epson display gets for ``lines`` (PC858)."""
    return EpsonDisplay(20, 2).frame(lines)


def tap_and_see(service: Service, pty: Pty, nfc_uri: str, uid: str, shown: list[str]) -> Any:
    """Present card ``uid``: the ``card.tapped`` data, once the display showed ``shown``."""
    sse = SSEClient(service.port, service.token)
    try:
        with CardEmulator(nfc_uri) as card:
            card.present(uid)
            _, _, _, data = sse.wait_for(lambda n, d: n == "card.tapped")
            pty.wait_contains(frame(shown))
    finally:
        sse.close()
    return data


def test_tap_reaches_sse_and_display_with_umlauts_and_euro(
    service: Service, pty: Pty, nfc_uri: str
) -> None:
    cid = service.customer(UID, display_name="Jürgen Groß")
    status, _ = service.request("POST", f"/customers/{cid}/topups", {"amount": 1250})
    assert status == 201
    sse = SSEClient(service.port, service.token, query="?terminal=T1")
    try:
        with CardEmulator(nfc_uri) as card:
            card.present(UID)
            _, event_id, _, data = sse.wait_for(lambda n, d: n == "card.tapped")
            # Greeting: name and balance, ü ß € in code page 858 (€ = 0xD5).
            pty.wait_contains(frame(["Jürgen Groß", "Guthaben 12,50 €"]))
        assert b"J\x81rgen Gro\xe1" in pty.data and b"12,50 \xd5" in pty.data
    finally:
        sse.close()
    assert data["reader"] == "till-1" and data["terminal"] == "T1" and data["uid"] == UID
    assert data["card_status"] == "active"
    # The event's customer is exactly the tap lookup terminals get from GET /cards/{uid}.
    status, lookup = service.request("GET", f"/cards/{UID}")
    assert status == 200
    assert data["customer"] == lookup["customer"]
    for key in ("id", "display_name", "number", "cash", "bonus", "points",
                "effective_discount_percent", "blocked", "lock_text", "age_alert"):  # fmt: skip
        assert key in data["customer"]
    assert data["customer"]["cash"] == 1250
    assert service.devices.display is not None
    assert service.devices.display.current_text() == ["Jürgen Groß".ljust(20),
                                                      "Guthaben 12,50 €".ljust(20)]  # fmt: skip
    status, shown = service.request("GET", "/display")
    assert status == 200 and shown["text"] == service.devices.display.current_text()

    # Last-Event-ID replay: a terminal that reconnects gets what it missed.
    later = SSEClient(service.port, service.token, last_event_id=str(int(event_id) - 1))
    try:
        later.wait_for(lambda n, d: n == "card.tapped" and d["uid"] == UID)
    finally:
        later.close()


def test_hold_is_one_tap_and_retap_after_removal(service: Service, nfc_uri: str) -> None:
    service.customer(UID)
    sse = SSEClient(service.port, service.token)
    reader = service.devices.readers.get("till-1")
    try:
        card = CardEmulator(nfc_uri)
        card.present(UID)
        sse.wait_for(lambda n, d: n == "card.tapped")
        polls = reader.polls
        wait_until(lambda: reader.polls >= polls + 15)  # resting on the reader
        assert len(sse.named("card.tapped")) == 1
        card.remove()
        wait_until(lambda: reader.present_uid is None)
        card.present(UID)
        wait_until(lambda: len(sse.named("card.tapped")) == 2)
        card.remove()
    finally:
        sse.close()
    assert [e["uid"] for e in sse.named("card.tapped")] == [UID, UID]


def test_unknown_card(service: Service, pty: Pty, nfc_uri: str) -> None:
    data = tap_and_see(service, pty, nfc_uri, "DEADBEEF", ["Karte unbekannt", "Bitte an der Kasse"])
    assert data["uid"] == "DEADBEEF" and data["customer"] is None
    assert data["card_status"] is None


def test_blocked_customer_shows_lock_text(service: Service, pty: Pty, nfc_uri: str) -> None:
    service.customer(UID, blocked=1, lock_text="Bitte Büro")
    data = tap_and_see(service, pty, nfc_uri, UID, ["Gesperrt", "Bitte Büro"])
    assert data["customer"]["blocked"] is True
    assert data["customer"]["lock_text"] == "Bitte Büro"


def test_blocked_card_resolves_to_nobody(service: Service, pty: Pty, nfc_uri: str) -> None:
    service.customer(UID)
    status, _ = service.request("POST", f"/cards/{UID}/block", {"reason": "lost"})
    assert status == 200
    data = tap_and_see(service, pty, nfc_uri, UID, ["Karte gesperrt", "Bitte an der Kasse"])
    assert data["customer"] is None and data["card_status"] == "lost"


def test_terminal_filter_hides_other_tills(service: Service, nfc_uri: str) -> None:
    other = SSEClient(service.port, service.token, query="?terminal=T2")
    mine = SSEClient(service.port, service.token, query="?terminal=T1")
    try:
        with CardEmulator(nfc_uri) as card:
            card.present("CAFEBABE")
            mine.wait_for(lambda n, d: n == "card.tapped")
        # A later broadcast event proves T2's stream is live and skipped the tap.
        service.box.services["events"].publish("device.status", {"device": "x"})
        other.wait_for(lambda n, d: n == "device.status" and d["device"] == "x")
        assert other.named("card.tapped") == []
    finally:
        other.close()
        mine.close()


def test_cd5220_display_in_english(tmp_path: Path, pty: Pty, nfc_uri: str) -> None:
    """The other command set and language from config: CD5220 with its PC437
    ROM table (umlauts yes, no € → "EUR"), English texts."""
    config = device_config(
        tmp_path / "data",
        **{
            "devices.language": "en",
            "devices.nfc.enabled": True,
            "devices.nfc.readers": [{"name": "till-1", "uri": nfc_uri, "terminal": "T1"}],
            "devices.display.enabled": True,
            "devices.display.uri": str(pty.link),
            "devices.display.protocol": "cd5220",
        },
    )
    svc = Service(config)
    try:
        cid = svc.customer(UID, display_name="Jürgen Groß")
        assert svc.request("POST", f"/customers/{cid}/topups", {"amount": 1250})[0] == 201
        with CardEmulator(nfc_uri) as card:
            card.present(UID)
            expected = CD5220Display(20, 2).frame(["Jürgen Groß", "Balance EUR12.50"])
            pty.wait_contains(expected)
        assert b"\x1bQAJ\x81rgen Gro\xe1" in expected  # ü, ß in PC437
        with CardEmulator(nfc_uri) as card:  # unknown card, English
            card.present("DEADBEEF")
            pty.wait_contains(CD5220Display(20, 2).frame(["Unknown card", "Please ask the staff"]))
    finally:
        svc.close()
