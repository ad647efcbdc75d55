"""NFC reader over nfcpy's real udp driver, cards from the nfcpy emulator."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from drivers.nfc import ERROR, OFFLINE, OK, Reader, ReaderPool
from drivers.nfc_sim import CardEmulator, EmulatorBusy, free_udp_port, present_card
from tests.support.drivers import Events, wait_until
from tests.support.paths import ROOT

UID = "04A1B2C3D4E5F6"


@pytest.fixture
def uri() -> str:
    return f"udp:127.0.0.1:{free_udp_port()}"


@pytest.fixture
def reader(uri: str) -> Iterator[tuple[Reader, Events, Events]]:
    taps, states = Events(), Events()
    r = Reader(uri, "till-1", on_tap=taps, on_state=states)
    r.start()
    states.wait_for(lambda a: a[1] == OK)
    yield r, taps, states
    r.stop()
    assert not r.running


def test_tap_hold_remove_retap(uri: str, reader: tuple[Reader, Events, Events]) -> None:
    r, taps, _ = reader
    card = CardEmulator(uri)
    t0 = time.monotonic()
    card.present("04:a1:b2:c3:d4:e5:f6")
    (t_tap,) = [taps.wait_for(lambda a: a == ("till-1", UID))]
    print(f"\ntap latency (present -> on_tap): {(t_tap - t0) * 1000:.1f} ms")

    # Held on the reader for 15 more poll rounds: still one tap.
    polls = r.polls
    wait_until(lambda: r.polls >= polls + 15)
    assert taps.args == [("till-1", UID)]
    assert r.present_uid == UID

    card.remove()
    wait_until(lambda: r.present_uid is None)
    assert len(taps.args) == 1

    t0 = time.monotonic()
    card.present(UID)
    taps.wait_count(2)
    print(f"re-tap latency: {(taps.items[1][0] - t0) * 1000:.1f} ms")
    card.remove()
    assert taps.args == [("till-1", UID), ("till-1", UID)]


def test_unknown_cards_are_just_uids(uri: str, reader: tuple[Reader, Events, Events]) -> None:
    _, taps, _ = reader
    # 4-byte (single size) and 7-byte (double size) UIDs: both cascade levels.
    # (10-byte UIDs cannot be emulated: nfcpy 1.0.4's udp listener matches
    # SEL_REQ CL3 as 0x95 instead of 0x97.)
    for n, uid in enumerate(["DEADBEEF", "08f1e2d3c4b5a6"], start=1):
        with CardEmulator(uri) as card:
            card.present(uid.lower())
            taps.wait_count(n)
    assert taps.args == [("till-1", "DEADBEEF"), ("till-1", "08F1E2D3C4B5A6")]


def test_swapping_cards_without_gap_gives_a_tap_each(
    uri: str, reader: tuple[Reader, Events, Events]
) -> None:
    r, taps, _ = reader
    present_card(uri, "11223344", hold_s=0.1)
    taps.wait_count(1)
    present_card(uri, "55667788", hold_s=0.1)
    taps.wait_count(2)
    assert [a[1] for a in taps.args] == ["11223344", "55667788"]
    assert r.taps == 2


def test_reader_vanishes_and_returns(uri: str, reader: tuple[Reader, Events, Events]) -> None:
    r, taps, states = reader
    present_card(uri, "CAFEBABE", hold_s=0.1)
    taps.wait_count(1)

    r.reset()  # the device goes away under the loop: nfcpy raises ENODEV
    states.wait_for(lambda a: a[1] == OFFLINE)
    states.wait_for(lambda a: a[1] == OK and len(states.args) >= 3)
    assert [a[1] for a in states.args] == [OK, OFFLINE, OK]

    with CardEmulator(uri) as card:
        card.present("CAFEBABE")
        taps.wait_count(2)
    assert taps.args[-1] == ("till-1", "CAFEBABE")


def test_unopenable_reader_retries_with_backoff_and_stops_promptly() -> None:
    states = Events()
    r = Reader("tty:USB97:pn532", "ghost", on_state=states, backoff_initial=0.01, backoff_max=0.05)
    r.start()
    wait_until(lambda: r.open_attempts >= 4)
    assert r.state in (OFFLINE, ERROR)
    assert states.args[0][:2] == ("ghost", r.state)
    assert len(states.args) == 1  # a state change is reported once, not per attempt
    t0 = time.monotonic()
    r.stop()
    assert not r.running
    assert time.monotonic() - t0 < 2.0


def test_emulator_refuses_a_second_card_on_the_same_reader(uri: str) -> None:
    with CardEmulator(uri) as first:
        first.present(UID)
        with pytest.raises(EmulatorBusy):
            CardEmulator(uri).present("DEADBEEF")


def test_pool_routes_taps_per_reader() -> None:
    uris = {f"till-{i}": f"udp:127.0.0.1:{free_udp_port()}" for i in (1, 2)}
    taps, states = Events(), Events()
    pool = ReaderPool(Reader(u, n, on_tap=taps, on_state=states) for n, u in uris.items())
    pool.start()
    try:
        states.wait_count(2)
        present_card(uris["till-2"], "AABBCCDD", hold_s=0.1)
        taps.wait_count(1)
        present_card(uris["till-1"], "11223344", hold_s=0.1)
        taps.wait_count(2)
        assert taps.args == [("till-2", "AABBCCDD"), ("till-1", "11223344")]
        assert pool.states() == {n: (OK, pool.get(n).detail) for n in uris}
        with pytest.raises(ValueError):
            pool.add(Reader(uris["till-1"], "till-1"))
    finally:
        pool.stop()
    assert all(not r.running for r in pool)


def test_tap_from_another_process(uri: str, reader: tuple[Reader, Events, Events]) -> None:
    # What `tilledge simulate tap` does: a separate process presents the card.
    _, taps, _ = reader
    repo = ROOT
    done = subprocess.run(
        [sys.executable, "-m", "drivers.nfc_sim", "04:aa:bb:cc", "--uri", uri, "--hold", "0.2"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert taps.wait_count(1) == [("till-1", "04AABBCC")]
    bad = subprocess.run(
        [sys.executable, "-m", "drivers.nfc_sim", "xyz", "--uri", uri],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode == 2 and "not a hex card UID" in bad.stderr


def test_felica_and_type_a_on_one_reader(uri: str) -> None:
    taps, states = Events(), Events()
    r = Reader(uri, "till-2", on_tap=taps, on_state=states, targets=("106A", "212F"))
    with r:
        states.wait_for(lambda a: a[1] == OK)
        with CardEmulator(uri) as card:
            card.present("01:2E:4C:D2:A1:B2:C3:D4", technology="212F")
            taps.wait_count(1)
        with CardEmulator(uri) as card:
            card.present("DEADBEEF")
            taps.wait_count(2)
    assert taps.args == [("till-2", "012E4CD2A1B2C3D4"), ("till-2", "DEADBEEF")]
    with pytest.raises(ValueError):
        CardEmulator(uri).present("0102030405060708090A")  # 10-byte type A: not emulated
    with pytest.raises(ValueError):
        CardEmulator(uri).present("DEADBEEF", technology="212F")  # IDm is 8 bytes


def test_a_port_with_a_service_name_still_works() -> None:
    # nfcpy's udp driver turns 60177 into "tfido" (/etc/services) and fails; ours must not.
    uri = "udp:127.0.0.1:60177"
    taps, states = Events(), Events()
    r = Reader(uri, "till-1", on_tap=taps, on_state=states)
    r.start()
    try:
        states.wait_for(lambda a: a[1] == OK)
        present_card(uri, "0A0B0C0D", hold_s=0.1)
        taps.wait_count(1)
    finally:
        r.stop()
