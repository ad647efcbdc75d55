"""Printers that lose receipts unless the box notices: one that accepts the
connection and never reads, one that resets the connection in the middle of
a job, one that reports paper out through DLE EOT. Each is a real TCP
listener on loopback; the whole service runs. Nothing may be marked printed,
health, ``GET /devices`` and ``device.status`` say ``error`` with the reason
for as long as the jobs wait, and once the printer is good again the jobs
come out in order, each once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.devices import printing
from tests.support.devices import Service, SSEClient, TcpPrinter, device_config, wait_until
from tests.support.fakes import PAPER_END

# Lines long enough that the first receipt (~80 kB) is more than the box's
# send buffer and a never-reading printer's receive buffer hold together.
BIG = [f"Zeile {i:03d} " + "x" * 380 for i in range(200)]


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    p = TcpPrinter()
    yield p
    p.close()


def _service(tmp_path: Path, printer: TcpPrinter) -> Service:
    config = device_config(
        tmp_path / "data",
        **{
            "devices.printer.enabled": True,
            "devices.printer.uri": printer.uri,
            "devices.printer.timeout_s": 0.5,
            "devices.printer.status_timeout_s": 0.2,
        },
    )
    return Service(config, printer_status_s=0.2)


def _break(printer: TcpPrinter, reason: str) -> None:
    if reason == "paper_out":
        printer.paper = PAPER_END
    else:
        printer.mode = {"stalled": "stall", "disconnected": "close"}[reason]


def _printer_events(sse: SSEClient) -> list[tuple[str, str | None]]:
    return [(d["state"], d.get("reason")) for d in sse.named("device.status")
            if d["device"] == "printer"]  # fmt: skip


@pytest.mark.parametrize("reason", ["stalled", "disconnected", "paper_out"])
def test_a_bad_printer_keeps_jobs_queued_and_prints_them_in_order_when_good(
    tmp_path: Path, printer: TcpPrinter, reason: str
) -> None:
    svc = _service(tmp_path, printer)
    sse = SSEClient(svc.port, svc.token)
    try:
        wait_until(lambda: svc.devices.summary()["printer"] == "ok")
        _break(printer, reason)
        jobs = []
        for i, lines in enumerate([BIG, ["Bon zwei"], ["Bon drei"]]):
            status, job = svc.request("POST", "/receipts", {"lines": lines, "title": f"Nr{i}"})
            assert status == 201, job
            jobs.append(job["job_id"])

        first = jobs[0]

        def retried() -> bool:
            found = printing.job(svc.box.db.reader(), first) or {}
            return found.get("attempts", 0) >= 3

        wait_until(retried, timeout=20)
        for job_id in jobs:
            status, found = svc.request("GET", f"/receipts/{job_id}")
            assert status == 200 and found["state"] in ("queued", "printing"), found
        status, found = svc.request("GET", f"/receipts/{first}")
        assert found["last_error"].startswith(reason), found
        # Later jobs wait behind the first: order is kept.
        assert all((printing.job(svc.box.db.reader(), j) or {})["attempts"] == 0 for j in jobs[1:])
        status, health = svc.request("GET", "/health", auth=False)
        assert health["devices"]["printer"] == "error"
        status, devices = svc.request("GET", "/devices")
        assert devices["printer"]["state"] == "error"
        assert devices["printer"]["reason"] == reason and devices["printer"]["queued"] == 3
        assert svc.devices.states()["printer"]["reason"] == reason  # the panel's view
        # The fault was announced once and not cleared while the jobs waited
        # (status polls every 0.2 s saw a printer that accepts connections).
        assert _printer_events(sse)[-1] == ("error", reason)
        assert ("ok", None) not in _printer_events(sse)[1:]
        assert printer.jobs == []  # not one receipt reached the paper

        printer.recover()
        wait_until(lambda: all(
            (printing.job(svc.box.db.reader(), j) or {})["state"] == "printed" for j in jobs
        ), timeout=20)  # fmt: skip
        receipts = printer.wait_jobs(3)
        assert [b"Nr0" in r for r in receipts] == [True, False, False]
        assert b"Bon zwei" in receipts[1] and b"Bon drei" in receipts[2]
        assert b"Zeile 199" in receipts[0]  # the whole first receipt, not a part
        assert len(printer.jobs) == 3  # no duplicates
        sse.wait_for(lambda n, d: n == "device.status" and d["device"] == "printer"
                     and d["state"] == "ok")  # fmt: skip
        assert svc.devices.summary()["printer"] == "ok"
    finally:
        sse.close()
        svc.close()
