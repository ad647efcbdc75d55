"""The persistent print outbox against a TCP listener acting as the network
printer: offline → waits, back → printed exactly once, a service restart in
between loses nothing; checkouts queue their receipt in the sale's
transaction and show total/new balance on the display."""

from __future__ import annotations

from pathlib import Path

from edge.devices import printing
from tests.support.devices import (
    Service,
    SSEClient,
    TcpPrinter,
    device_config,
    free_tcp_port,
    wait_until,
)

UID = "04A1B2C3D4E5F6"
BASKET = {
    "card_uid": UID,
    "receipt_no": "T1-000001",
    "lines": [{"sku": "4001", "name": "Käsebrötchen", "quantity": "2", "unit_price": 250,
               "vat_rate_bp": 700}],
    "tenders": [{"type": "credit", "amount": None}],
    "print_receipt": True,
}  # fmt: skip


def printer_config(tmp_path: Path, uri: str, **more: object) -> object:
    return device_config(
        tmp_path / "data",
        **{"devices.printer.enabled": True, "devices.printer.uri": uri, **more},
    )


def job_state(svc: Service, job_id: str) -> str:
    found = printing.job(svc.box.db.reader(), job_id)
    assert found is not None
    return str(found["state"])


def test_offline_printer_job_survives_restart_and_prints_once(tmp_path: Path) -> None:
    port = free_tcp_port()  # nothing listens: connections are refused
    config = printer_config(tmp_path, f"tcp:127.0.0.1:{port}")
    svc = Service(config)  # type: ignore[arg-type]
    try:
        cid = svc.customer(UID)
        assert svc.request("POST", f"/customers/{cid}/topups", {"amount": 2000})[0] == 201
        status, sale = svc.request("POST", "/checkouts", BASKET)
        assert status == 201, sale  # the money operation never waits for the printer
        job_id = sale["receipt_job_id"]
        assert job_id

        # The worker tried, the printer refused: queued with the reason, retrying.
        def waiting() -> bool:
            found = printing.job(svc.box.db.reader(), job_id) or {}
            return found.get("attempts", 0) >= 2 and found.get("state") == "queued"

        wait_until(waiting)
        status, job = svc.request("GET", f"/receipts/{job_id}")
        assert status == 200 and job["state"] in ("queued", "printing")
        assert "offline" in job["last_error"]
        assert svc.devices.summary()["printer"] == "offline"
    finally:
        svc.close()  # the service restarts while the job is still queued

    printer = TcpPrinter(port)  # the printer comes back on the same port
    svc = Service(config)  # type: ignore[arg-type]  # a new Box on the same database
    try:
        sse = SSEClient(svc.port, svc.token, last_event_id="0")
        try:
            (receipt,) = printer.wait_jobs(1)
            wait_until(lambda: job_state(svc, job_id) == "printed")
            sse.wait_for(lambda n, d: n == "receipt.status" and d == {
                "job_id": job_id, "state": "printed", "kind": "checkout"})  # fmt: skip
        finally:
            sse.close()
        assert "Käsebrötchen".encode("cp858") in receipt
        assert b"T1-000001" in receipt and b"5,00 \xd5" in receipt  # total, € in CP858
        # Exactly once: further worker rounds and status probes print nothing more.
        printed = svc.devices.outbox.printed  # type: ignore[union-attr]
        svc.devices.outbox.wake(retry_now=True)  # type: ignore[union-attr]
        wait_until(lambda: svc.devices.summary()["printer"] == "ok")
        assert len(printer.jobs) == 1 and svc.devices.outbox.printed == printed  # type: ignore[union-attr]
        status, job = svc.request("GET", f"/receipts/{job_id}")
        assert job["state"] == "printed" and job["printed_at"]
    finally:
        svc.close()
        printer.close()


def test_printer_back_while_running_prints_without_restart(tmp_path: Path) -> None:
    port = free_tcp_port()
    svc = Service(printer_config(tmp_path, f"tcp:127.0.0.1:{port}"), printer_status_s=0.2)  # type: ignore[arg-type]
    printer = None
    try:
        status, job = svc.request("POST", "/receipts", {"lines": ["Grüße", "Tisch 4"],
                                                         "title": "Notiz"})  # fmt: skip
        assert status == 201 and job["state"] == "queued" and job["kind"] == "text"
        wait_until(lambda: (printing.job(svc.box.db.reader(), job["job_id"]) or {})
                   .get("attempts", 0) >= 1)  # fmt: skip
        printer = TcpPrinter(port)
        (body,) = printer.wait_jobs(1)
        assert "Grüße".encode("cp858") in body
        wait_until(lambda: job_state(svc, job["job_id"]) == "printed")
        wait_until(lambda: svc.devices.summary()["printer"] == "ok")
    finally:
        svc.close()
        if printer is not None:
            printer.close()


def test_job_fails_with_reason_after_give_up(tmp_path: Path) -> None:
    port = free_tcp_port()
    svc = Service(
        printer_config(tmp_path, f"tcp:127.0.0.1:{port}", **{"devices.printer.give_up_s": 1})
    )  # type: ignore[arg-type]
    try:
        status, job = svc.request("POST", "/receipts", {"lines": ["x"]})
        assert status == 201
        wait_until(lambda: job_state(svc, job["job_id"]) == "failed", timeout=10)
        status, found = svc.request("GET", f"/receipts/{job['job_id']}")
        assert found["state"] == "failed" and "gave up" in found["reason"]
    finally:
        svc.close()


def test_interrupted_job_is_printed_again_at_start(tmp_path: Path) -> None:
    """At-least-once: a job left 'printing' by a crash is queued again."""
    printer = TcpPrinter()
    config = printer_config(tmp_path, printer.uri)
    svc = Service(config)  # type: ignore[arg-type]
    svc.devices.outbox.stop()  # type: ignore[union-attr]
    doc = printing.text_document(["Bon"])
    job_id = svc.box.db.write(lambda c: printing.enqueue(c, doc))
    svc.box.db.write(
        lambda c: c.execute("UPDATE print_jobs SET state='printing' WHERE id=?", [job_id])
    )
    svc.close()
    svc = Service(config)  # type: ignore[arg-type]
    try:
        printer.wait_jobs(1)
        wait_until(lambda: job_state(svc, job_id) == "printed")
    finally:
        svc.close()
        printer.close()


def test_checkout_receipt_to_sim_printer_and_display_total(tmp_path: Path) -> None:
    config = printer_config(
        tmp_path,
        "sim:receipts",
        **{"devices.display.enabled": True, "devices.display.uri": "sim:",
           "devices.printer.boot_slip": True},
    )  # fmt: skip
    svc = Service(config)  # type: ignore[arg-type]
    try:
        cid = svc.customer(UID)
        assert svc.request("POST", f"/customers/{cid}/topups", {"amount": 2000})[0] == 201
        status, sale = svc.request("POST", "/checkouts", BASKET)
        assert status == 201
        wait_until(lambda: job_state(svc, sale["receipt_job_id"]) == "printed")
        folder = tmp_path / "data" / "receipts"
        text = next(folder.glob("*-checkout.txt")).read_text(encoding="utf-8")
        assert "Käsebrötchen" in text and "5,00 €" in text and "15,00 €" in text
        assert list(folder.glob("*-checkout.png"))
        display = svc.devices.display
        assert display is not None
        assert display.current_text() == ["Summe 5,00 €".ljust(20), "Guthaben 15,00 €".ljust(20)]
        # A second copy: POST /receipts with the checkout id reprints the same document.
        status, copy = svc.request("POST", "/receipts", {"checkout_id": sale["checkout_id"]})
        assert status == 201 and copy["kind"] == "checkout"
        wait_until(lambda: job_state(svc, copy["job_id"]) == "printed")
        assert len(list(folder.glob("*-checkout.txt"))) == 2
        # Without print_receipt: no job; a receipt can still be printed later (rebuilt).
        quiet = {**BASKET, "receipt_no": "T1-000002", "print_receipt": False}
        status, sale2 = svc.request("POST", "/checkouts", quiet)
        assert status == 201 and sale2["receipt_job_id"] is None
        status, job = svc.request("POST", "/receipts", {"checkout_id": sale2["checkout_id"]})
        assert status == 201
        wait_until(lambda: job_state(svc, job["job_id"]) == "printed")
        texts = sorted(p.read_text(encoding="utf-8") for p in folder.glob("*-checkout.txt"))
        rebuilt = [t for t in texts if "T1-000002" in t]
        assert rebuilt and "Käsebrötchen" in rebuilt[0] and "10,00 €" in rebuilt[0]
        # The boot status slip (what `serve` queues once it listens).
        svc.devices.print_boot_slip(
            addresses=[f"http://127.0.0.1:{svc.port}"], tls_fingerprint="ab" * 32
        )
        slip = wait_until(lambda: list(folder.glob("*-status.txt")))[0].read_text("utf-8")
        assert f"http://127.0.0.1:{svc.port}" in slip and "ab:ab:ab" in slip
        assert "tilledge pair" in slip
        assert svc.request("POST", "/receipts", {"checkout_id": "999999"})[0] == 404
        assert svc.request("GET", "/receipts/424242")[0] == 404
        assert svc.request("POST", "/receipts", {"checkout_id": "1", "lines": ["x"]})[0] == 422
    finally:
        svc.close()


def test_topup_and_payout_slips(tmp_path: Path) -> None:
    tiers = [{"from": 0, "rate_bp": 0}, {"from": 5000, "rate_bp": 1000}]
    config = printer_config(tmp_path, "sim:receipts", **{"ledger.topup_bonus": tiers})
    svc = Service(config)  # type: ignore[arg-type]
    try:
        cid = svc.customer(UID)
        status, topup = svc.request("POST", f"/customers/{cid}/topups", {"amount": 5000})
        assert status == 201
        status, payout = svc.request("POST", f"/customers/{cid}/payouts", {"amount": 1250})
        assert status == 201
        folder = tmp_path / "data" / "receipts"
        for op in (topup, payout):
            status, job = svc.request("POST", "/receipts", {"operation_id": op["operation_id"]})
            assert status == 201, job
            wait_until(lambda job=job: job_state(svc, job["job_id"]) == "printed")
        slip = next(folder.glob("*-topup.txt")).read_text(encoding="utf-8")
        assert "50,00 €" in slip and "Jürgen Groß" in slip
        assert "5,00 €" in slip  # the bonus granted (10 % from 50 €)
        slip = next(folder.glob("*-payout.txt")).read_text(encoding="utf-8")
        assert "12,50 €" in slip and "37,50 €" in slip and "5,00 €" in slip  # cash, bonus after
        assert svc.request("POST", "/receipts", {"operation_id": "987654"})[0] == 404
    finally:
        svc.close()


def test_retried_requests_queue_one_job(tmp_path: Path) -> None:
    """A checkout retried with its Idempotency-Key, or a double-tapped print
    button, never prints twice."""
    svc = Service(printer_config(tmp_path, "sim:receipts"))  # type: ignore[arg-type]
    try:
        cid = svc.customer(UID)
        assert svc.request("POST", f"/customers/{cid}/topups", {"amount": 2000})[0] == 201
        first = svc.request("POST", "/checkouts", BASKET, idem="sale-1")
        again = svc.request("POST", "/checkouts", BASKET, idem="sale-1")
        assert first == again and first[0] == 201
        one = svc.request("POST", "/receipts", {"lines": ["Bon"]}, idem="print-1")
        two = svc.request("POST", "/receipts", {"lines": ["Bon"]}, idem="print-1")
        assert one == two and one[0] == 201
        count = svc.box.db.reader().execute("SELECT count(*) FROM print_jobs").fetchone()[0]
        assert count == 2
        for job_id in (first[1]["receipt_job_id"], one[1]["job_id"]):
            wait_until(lambda job_id=job_id: job_state(svc, job_id) == "printed")
    finally:
        svc.close()


def test_boot_slip_prints_the_pairing_qr_at_a_network_printer(tmp_path: Path) -> None:
    """What `serve` queues once it listens with TLS: the URL and fingerprint
    as text and as the printer's own QR command, through the outbox."""
    printer = TcpPrinter()
    config = printer_config(tmp_path, printer.uri, **{"devices.printer.boot_slip": True})
    svc = Service(config)  # type: ignore[arg-type]
    try:
        url, fingerprint = "https://192.168.1.20:8443", "ab" * 32
        job_id = svc.devices.print_boot_slip(addresses=[url], tls_fingerprint=fingerprint)
        assert job_id is not None
        wait_until(lambda: job_state(svc, job_id) == "printed")
        (job,) = printer.wait_jobs(1)
        pairing = f"tilledge:{url}#sha256={fingerprint}".encode()
        assert url.encode() in job and b"ab:ab:ab" in job
        assert b"\x1d(k" + (len(pairing) + 3).to_bytes(2, "little") + b"1P0" + pairing in job
        # Plain HTTP (loopback, no certificate): nothing to pin, no code.
        job_id = svc.devices.print_boot_slip(addresses=["http://127.0.0.1:1"], tls_fingerprint=None)
        assert job_id is not None
        wait_until(lambda: job_state(svc, job_id) == "printed")
        assert b"\x1d(k" not in printer.wait_jobs(2)[1]
    finally:
        svc.close()
        printer.close()
