"""The drivers' shared pieces: the backoff sequence and the self-healing device base."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from drivers.backoff import Backoff
from drivers.device import OFFLINE, OK, Device, ReconnectingDevice
from drivers.display import CustomerDisplay
from drivers.nfc import Reader
from tests.support.drivers import Events, wait_until


def test_backoff_doubles_up_to_the_maximum_and_resets() -> None:
    b = Backoff(0.2, 5.0)  # readers and the display
    assert [b.next() for _ in range(8)] == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0]
    b.reset()
    assert b.next() == 0.2
    printer = Backoff(0.5, 10.0)  # the print outbox with retry_max_s = 10
    assert [printer.next() for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


@pytest.mark.parametrize(("initial", "maximum"), [(0, 5), (-1, 5), (2, 1)])
def test_backoff_refuses_a_sequence_that_cannot_back_off(initial: float, maximum: float) -> None:
    with pytest.raises(ValueError):
        Backoff(initial, maximum)


def test_backoff_wait_sleeps_the_delay_and_stop_interrupts_it() -> None:
    stop = threading.Event()
    b = Backoff(0.05, 0.05)
    started = time.monotonic()
    assert b.wait(stop) is False
    assert time.monotonic() - started >= 0.045
    long = Backoff(30.0, 30.0)
    threading.Timer(0.05, stop.set).start()
    started = time.monotonic()
    assert long.wait(stop) is True
    assert time.monotonic() - started < 1.0


def test_state_callback_fires_once_per_change() -> None:
    states = Events()
    d = Device("lamp", on_state=states)
    assert (d.state, d.detail) == (None, "")
    d._set_state(OK, "first")
    d._set_state(OK, "second")  # same state: only the detail moves
    assert (d.state, d.detail) == (OK, "second")
    d._set_state(OFFLINE, "gone")
    d._set_state(OFFLINE, "still gone")
    d._set_state(OK, "back")
    assert states.args == [("lamp", OK, "first"), ("lamp", OFFLINE, "gone"), ("lamp", OK, "back")]


def test_a_failing_callback_never_reaches_the_driver() -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("subscriber bug")

    d = Device("lamp", on_state=broken)
    d._set_state(OFFLINE, "gone")  # logged, not raised
    assert d.state == OFFLINE
    seen = Events()
    d._call("on_tap", seen, "04A1")
    assert seen.args == [("lamp", "04A1")]


class Flaky(ReconnectingDevice):
    """Fails to open ``failures`` times, then serves until stopped or told to fail."""

    kind = "flaky"

    def __init__(self, failures: int, **kw: Any) -> None:
        super().__init__("f1", kw.pop("on_state", None), **kw)
        self.failures = failures
        self.opens: list[float] = []
        self.closed = 0
        self.break_now = threading.Event()

    def _connect(self) -> str:
        self.opens.append(time.monotonic())
        if len(self.opens) <= self.failures:
            raise OSError(f"not there ({len(self.opens)})")
        self._set_state(OK, "open")
        return "handle"

    def _serve(self, handle: str) -> None:
        assert handle == "handle"
        while not self._stop.wait(0.005):
            if self.break_now.is_set():
                self.break_now.clear()
                raise OSError("unplugged")

    def _disconnect(self, handle: str) -> None:
        self.closed += 1


def test_reconnects_with_backoff_and_reports_each_change_once() -> None:
    states = Events()
    dev = Flaky(5, on_state=states, backoff_initial=0.02, backoff_max=1.0)
    with dev:
        wait_until(lambda: dev.state == OK)
        gaps = [b - a for a, b in zip(dev.opens, dev.opens[1:], strict=False)]
        # waits 0.02, 0.04, 0.08, 0.16, 0.32 between the six attempts
        assert len(gaps) == 5
        assert all(g >= 0.9 * w for g, w in zip(gaps, [0.02, 0.04, 0.08, 0.16, 0.32], strict=True))
        assert states.args == [("f1", OFFLINE, "not there (1)"), ("f1", OK, "open")]
        assert dev.detail == "open"
        dev.break_now.set()  # a fault while serving: offline, closed, reopened
        wait_until(lambda: len(dev.opens) == 7 and dev.state == OK)
        assert dev.closed == 1
        assert states.args[2:] == [("f1", OFFLINE, "unplugged"), ("f1", OK, "open")]
        # the success reset the backoff: 0.02 s again, not the 0.64 s next in line
        assert dev.opens[6] - dev.opens[5] < 0.3
    assert not dev.running and dev.closed == 2


def test_stop_interrupts_a_long_backoff_promptly() -> None:
    dev = Flaky(10**6, backoff_initial=30.0, backoff_max=30.0)
    dev.start()
    wait_until(lambda: dev.state == OFFLINE)
    started = time.monotonic()
    dev.stop(timeout=5.0)
    assert time.monotonic() - started < 1.0
    assert not dev.running and len(dev.opens) == 1


def test_start_twice_runs_one_worker() -> None:
    dev = Flaky(0)
    dev.start()
    dev.start()
    try:
        wait_until(lambda: dev.state == OK)
        assert [t.name for t in threading.enumerate()].count("flaky-f1") == 1
    finally:
        dev.stop()
    assert not dev.running


def test_readers_and_the_display_heal_within_0_2_to_5_s() -> None:
    for device in (Reader("udp:127.0.0.1:1", "r"), CustomerDisplay("sim:")):
        assert (device.backoff.initial, device.backoff.maximum) == (0.2, 5.0)  # README "Devices"
