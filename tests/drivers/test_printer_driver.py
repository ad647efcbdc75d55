"""Receipt printer against a real TCP listener that behaves like a
network printer on port 9100 (records bytes, answers DLE EOT 4)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from drivers.printer import (
    PaperOut,
    PrinterDisconnected,
    PrinterError,
    PrinterOffline,
    PrinterStalled,
    ReceiptPrinter,
    parse_printer_uri,
    render_escpos,
)
from drivers.receipt_render import QR_DOTS, qr_image, render_png
from drivers.receipts import Document, checkout_receipt, status_slip, text_document
from tests.support.drivers import Events
from tests.support.fakes import (
    CUT,
    DLE_EOT_PAPER,
    PAPER_END,
    PAPER_OK,
    NetworkPrinter,
    status_query,
)

STATUS = status_query(4) + status_query(1)  # paper sensor, then online


@pytest.fixture
def fake() -> Iterator[NetworkPrinter]:
    f = NetworkPrinter()
    yield f
    f.close()


BOX = {"name": "Café Anna", "address": ["Hauptstr. 1", "12345 Musterstadt"]}
CHECKOUT = {
    "receipt_no": "T1-000123",
    "currency": "EUR",
    "customer": {"display_name": "Jürgen Groß", "customer_number": "K-1001"},
    "lines": [
        {"name": "Latte", "quantity": "2", "unit_price": 380, "gross": 760,
         "discount_percent": "10", "discount": 76, "total": 684, "vat_rate_bp": 1900},
    ],
    "total": 684,
    "vat": [{"rate_bp": 1900, "net": 575, "vat": 109, "gross": 684}],
    "from_bonus": 184, "from_cash": 500, "points_earned": 6,
    "cash": 1234, "bonus": 0, "points": 106,
}  # fmt: skip


def test_network_print_sends_cp858_text_and_cut(fake: NetworkPrinter) -> None:
    states = Events()
    printer = ReceiptPrinter(fake.uri, on_state=states)
    doc = checkout_receipt(BOX, CHECKOUT)
    printer.print_job(doc)
    (job,) = fake.wait_jobs(1)
    # Paper and online asked before anything is sent, and again after the
    # last byte: that answer is what makes the job printed.
    assert job.startswith(STATUS) and job.endswith(STATUS)
    body = job[len(STATUS) : -len(STATUS)]
    assert body == render_escpos(doc)
    assert body.startswith(b"\x1b@\x1bt\x13")  # ESC @, ESC t 19 = PC858
    assert "Café Anna".encode("cp858") in body
    assert b"Kunde: J\x81rgen Gro\xe1 (K-1001)" in body
    assert b"2 \x9e 3,80 \xd5" in body  # ×, € in CP858
    assert b"-0,76 \xd5" in body and b"6,84 \xd5" in body
    assert body.endswith(CUT)
    assert states.args == [("printer", "ok", fake.uri)]
    assert printer.status() == "ok"


def test_refused_connection_is_offline_then_prints_when_back() -> None:
    fake = NetworkPrinter()
    port = fake.port
    fake.close()  # nothing listens on the port: connect is refused
    states = Events()
    printer = ReceiptPrinter(f"tcp:127.0.0.1:{port}", on_state=states)
    doc = text_document(["Bon 1"])
    with pytest.raises(PrinterOffline):
        printer.print_job(doc)
    assert printer.status() == "offline"
    assert states.args[-1][1] == "offline"

    back = NetworkPrinter(port)  # the printer is back on the same port
    try:
        printer.print_job(doc)
        (job,) = back.wait_jobs(1)
        assert job.endswith(b"Bon 1\n\x1bd\x06" + CUT + STATUS)
        assert [a[1] for a in states.args] == ["offline", "ok"]
    finally:
        back.close()


def test_paper_out_raises_and_sends_nothing(fake: NetworkPrinter) -> None:
    fake.paper = PAPER_END
    printer = ReceiptPrinter(fake.uri)
    with pytest.raises(PaperOut):
        printer.print_job(text_document(["nicht drucken"]))
    assert fake.wait_jobs(1) == [DLE_EOT_PAPER]
    assert printer.status() == "paper_out"
    assert printer.state == "paper_out"
    fake.paper = PAPER_OK
    printer.print_job(text_document(["jetzt"]))
    assert b"jetzt\n" in fake.wait_jobs(3)[-1]


def test_printer_without_status_answer_still_prints(fake: NetworkPrinter) -> None:
    fake.answer_status = False
    printer = ReceiptPrinter(fake.uri, status_timeout=0.05)
    printer.print_job(text_document(["ok"]))
    assert fake.wait_jobs(1)[0].endswith(b"ok\n" + b"\x1bd\x06" + CUT)
    assert printer.answers_status is False  # "auto" remembers: not asked again
    printer.print_job(text_document(["zwei"]))
    assert fake.wait_jobs(2)[1] == render_escpos(text_document(["zwei"]))


def test_file_transport_writes_escpos(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    printer = ReceiptPrinter(f"file:{target}")
    doc = text_document(["Grüße"])
    printer.print_job(doc)
    assert target.read_bytes() == render_escpos(doc)
    assert ReceiptPrinter(f"file:{tmp_path}/missing/lp0").status() == "offline"
    with pytest.raises(PrinterOffline):
        ReceiptPrinter(f"file:{tmp_path}/missing/lp0").print_job(doc)


def test_sim_printer_writes_txt_and_png(tmp_path: Path) -> None:
    printer = ReceiptPrinter("sim:receipts", base_dir=tmp_path, codepage="CP437")
    doc = checkout_receipt(BOX, CHECKOUT, width=42)
    printer.print_job(doc)
    txt, png, raw = printer.last_files
    assert txt.parent == tmp_path / "receipts"
    text = txt.read_text("utf-8")
    assert "Jürgen Groß" in text
    assert "6,84 EUR" in text  # CP437 has no €: the paper (and the txt) say EUR
    assert raw.read_bytes().startswith(b"\x1b@\x1bt\x00")
    with Image.open(png) as img:
        assert img.format == "PNG"
        assert img.width == 42 * 12 + 2 * 16
        rows = len(doc.lines) + sum(1 for line in doc.lines if line.double)
        assert img.height == rows * 24 + 2 * 16 + 24
        assert img.getextrema() == (0, 255)  # there is ink on the paper
    assert printer.status() == "ok"
    assert sorted(p.suffix for p in (tmp_path / "receipts").iterdir()) == [
        ".escpos", ".png", ".txt"
    ]  # fmt: skip


def test_status_slip_and_dummy() -> None:
    printer = ReceiptPrinter("dummy:")
    fp = ":".join(f"{i:02X}" for i in range(32))
    doc = status_slip(
        BOX,
        addresses=["https://192.168.1.20:8443"],
        tls_fingerprint=fp,
        pairing_hint="tilledge terminal add KASSE --scope pos",
        version="0.1.0",
    )
    printer.print_job(doc)
    (job,) = printer.dummy_jobs
    assert b"https://192.168.1.20:8443" in job
    assert b"00:01:02:03" in job and b"1E:1F" in job
    assert printer.status() == "ok"


PAIRING = "tilledge:https://192.168.1.20:8443#sha256=" + "ab" * 32


def _pairing_slip() -> Document:
    return status_slip(
        BOX,
        addresses=["https://192.168.1.20:8443"],
        tls_fingerprint="ab:" * 31 + "ab",
        pairing_hint="tilledge pair",
        pairing_qr=PAIRING,
    )


def test_boot_slip_qr_reaches_a_network_printer_as_a_native_qr_command(
    fake: NetworkPrinter,
) -> None:
    ReceiptPrinter(fake.uri).print_job(_pairing_slip())
    (job,) = fake.wait_jobs(1)
    data = PAIRING.encode()
    # GS ( k pL pH cn=49 fn=80 m=48 data: store the symbol, then fn=81 print it.
    store = b"\x1d(k" + (len(data) + 3).to_bytes(2, "little") + b"1P0" + data
    assert store in job
    assert b"\x1d(k\x03\x001Q0" in job
    assert b"\x1d(k\x03\x001C\x06" in job  # 6 dots a module
    assert job.index(b"tilledge pair") < job.index(store) < job.index(CUT)


def test_boot_slip_qr_is_an_image_where_the_profile_has_no_qr_command(
    fake: NetworkPrinter,
) -> None:
    ReceiptPrinter(fake.uri, profile="POS-5890").print_job(_pairing_slip())
    (job,) = fake.wait_jobs(1)
    assert b"\x1d(k" not in job and PAIRING.encode() not in job
    size = qr_image(PAIRING, QR_DOTS).size
    # GS v 0: a raster image of the code's width (bytes) and height (dots).
    raster = b"\x1dv0\x00" + ((size[0] + 7) // 8).to_bytes(2, "little")
    assert raster + size[1].to_bytes(2, "little") in job


def test_boot_slip_qr_in_text_and_picture() -> None:
    doc = _pairing_slip()
    assert doc.lines[-1].qr == PAIRING  # the code closes the slip
    assert doc.text().endswith(f"[QR] {PAIRING}\n")
    plain = dataclasses.replace(doc, lines=doc.lines[:-1])
    code = qr_image(PAIRING, 4).convert("L")
    picture, without = render_png(doc), render_png(plain)
    assert picture.height == without.height + code.height
    # The code, centred, where its line is (16 px margin, 24 px a text line).
    x, y = (picture.width - code.width) // 2, without.height - 16 - 24
    assert picture.crop((x, y, x + code.width, y + code.height)).tobytes() == code.tobytes()


@pytest.mark.parametrize(
    ("uri", "kind"),
    [
        ("tcp:10.0.0.5:9100", "tcp"),
        ("usb:04b8:0202", "usb"),
        ("serial:/dev/ttyS0", "serial"),
        ("serial:/dev/ttyUSB0:19200", "serial"),
        ("file:/dev/usb/lp0", "file"),
        ("dummy:", "dummy"),
    ],
)
def test_parse_printer_uri(uri: str, kind: str) -> None:
    assert parse_printer_uri(uri).kind == kind
    assert parse_printer_uri("usb:04b8:0202").vendor == 0x04B8
    assert parse_printer_uri("serial:/dev/ttyUSB0:19200").baudrate == 19200


def test_bad_uris_and_missing_usb_device() -> None:
    for bad in ["tcp:nohost", "usb:xyz:1", "ftp:x", "file:"]:
        with pytest.raises(ValueError):
            parse_printer_uri(bad)
    with pytest.raises(ValueError):
        ReceiptPrinter("dummy:", profile="no-such-printer")
    with pytest.raises(ValueError):
        ReceiptPrinter("dummy:", codepage="CP999")
    # No such USB device here: a typed offline error, never a library exception.
    with pytest.raises(PrinterError) as err:
        ReceiptPrinter("usb:04b8:0eff").print_job(text_document(["x"]))
    assert isinstance(err.value, PrinterOffline)


def _big_job() -> Document:
    # ~125 kB: more than the box's send buffer plus a stalled printer's
    # receive buffer hold, so a printer that never reads stalls the writes.
    return text_document([f"Zeile {i} " + "x" * 30 for i in range(3000)])


def test_a_printer_that_never_reads_is_stalled_not_printed(fake: NetworkPrinter) -> None:
    fake.mode = "stall"
    states = Events()
    printer = ReceiptPrinter(fake.uri, timeout=0.3, status_timeout=0.1, on_state=states)
    with pytest.raises(PrinterStalled, match="then nothing"):
        printer.print_job(_big_job())
    assert printer.state == "stalled" and printer.job_fault
    assert states.args[-1][1] == "stalled"
    # It still accepts connections: status() cannot clear the job's fault.
    printer.status()
    assert printer.state == "stalled"
    fake.wait(lambda f: len(f.stalled) == 2)  # the job's and the status' connection
    fake.recover()
    printer.print_job(text_document(["wieder da"]))
    assert printer.state == "ok" and not printer.job_fault
    assert b"wieder da" in fake.wait_jobs(1)[0]


def test_a_printer_that_answered_and_then_goes_silent_is_stalled(fake: NetworkPrinter) -> None:
    printer = ReceiptPrinter(fake.uri, timeout=0.3, status_timeout=0.1)
    printer.print_job(text_document(["eins"]))
    assert printer.answers_status is True
    fake.answer_status = False
    with pytest.raises(PrinterStalled, match="no answer to DLE EOT"):
        printer.print_job(text_document(["zwei"]))
    assert printer.state == "stalled"


def test_status_query_on_requires_an_answer_and_off_sends_none(fake: NetworkPrinter) -> None:
    fake.answer_status = False
    with pytest.raises(PrinterStalled):
        ReceiptPrinter(fake.uri, status_query="on", status_timeout=0.05).print_job(
            text_document(["nie"])
        )
    fake.answer_status = True
    fake.paper = PAPER_END  # ignored: nobody asks
    ReceiptPrinter(fake.uri, status_query="off").print_job(text_document(["aus"]))
    assert fake.wait_jobs(2)[1] == render_escpos(text_document(["aus"]))
    with pytest.raises(ValueError):
        ReceiptPrinter(fake.uri, status_query="maybe")


def test_a_printer_that_closes_mid_job_is_disconnected(fake: NetworkPrinter) -> None:
    fake.mode = "close"
    printer = ReceiptPrinter(fake.uri, timeout=1.0)
    with pytest.raises(PrinterDisconnected):
        printer.print_job(_big_job())
    assert printer.state == "disconnected"
    assert fake.cut_off == 1 and fake.jobs == []


def test_paper_end_reported_by_the_offline_cause(fake: NetworkPrinter) -> None:
    # Paper sensor fine, but DLE EOT 1 says offline and DLE EOT 2 "stopped
    # by paper end" (a roll that ran out during the last job).
    answers = {4: PAPER_OK, 1: b"\x1a", 2: b"\x32"}
    fake._answer = lambda data: next(  # type: ignore[method-assign]
        (a for n, a in answers.items() if data.endswith(status_query(n))), None
    )
    printer = ReceiptPrinter(fake.uri)
    with pytest.raises(PaperOut, match="DLE EOT 2"):
        printer.print_job(text_document(["x"]))
    answers[2] = b"\x16"  # cover open
    with pytest.raises(PrinterOffline, match="cover open"):
        printer.print_job(text_document(["x"]))
    assert printer.state == "offline"
