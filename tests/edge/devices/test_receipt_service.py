"""Receipts an auditor accepts, end to end through the running service and the
simulated printer (which writes the text, the PNG and the raw ESC/POS bytes
of every job): the seller from ``[box]``, the local time in
``box.timezone``, a reverse-charge sale at net with both VAT IDs, and a
refund printed as a refund via ``POST /receipts``."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from edge.devices import printing, reprints
from tests.support.devices import Service, device_config, wait_until

UID = "04A1B2C3D4E5F6"
CUSTOMER_VAT_ID = "NL004495445B01"
BOX = {
    "box.name": "Café Anna",
    "box.address": ["Hauptstr. 1", "12345 Musterstadt"],
    "box.vat_id": "DE123456789",
    "box.tax_number": "12/345/67890",
}
BASKET = {
    "card_uid": UID,
    "receipt_no": "T1-000700",
    "lines": [{"sku": "1", "name": "Kaffee", "quantity": "2", "unit_price": 100,
               "vat_rate_bp": 1900}],
    "tenders": [{"type": "credit", "amount": None}],
    "print_receipt": True,
}  # fmt: skip


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[Service]:
    config = device_config(
        tmp_path / "data",
        **{"devices.printer.enabled": True, "devices.printer.uri": "sim:receipts", **BOX},
    )
    service = Service(config)
    yield service
    service.close()


def funded_customer(svc: Service, **fields: object) -> str:
    """A customer with the card ``UID`` and 10,00 € credit."""
    cid = svc.customer(UID, **fields)
    assert svc.request("POST", f"/customers/{cid}/topups", {"amount": 1000})[0] == 201
    return cid


def printed(svc: Service, tmp_path: Path, job_id: str) -> dict[str, bytes]:
    """The simulated printer's files of one job (``txt``, ``png``, ``escpos``):
    the last one printed, as the tests wait for each job before the next."""
    wait_until(lambda: (printing.job(svc.box.db.reader(), job_id) or {}).get("state") == "printed")
    folder = tmp_path / "data" / "receipts"
    seq = re.compile(r"^\d{8}-\d{6}-(\d{4})-")
    txt = max(folder.glob("*.txt"), key=lambda p: int(seq.match(p.name).group(1)))  # type: ignore[union-attr]
    stem = txt.name.removesuffix(".txt")
    return {ext: (folder / f"{stem}.{ext}").read_bytes() for ext in ("txt", "png", "escpos")}


def decodes(png: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image.size


def test_a_net_mode_checkout_prints_net_lines_vat_zero_and_both_vat_ids(
    svc: Service, tmp_path: Path
) -> None:
    funded_customer(svc, type="business", display_name="Acme BV", company_name="Acme BV",
                    net_mode=1, vat_id=CUSTOMER_VAT_ID)  # fmt: skip
    status, sale = svc.request("POST", "/checkouts", BASKET)
    assert status == 201, sale
    assert sale["net_mode"] is True and sale["total"] == 168  # 2,00 € gross → 1,68 € net
    files = printed(svc, tmp_path, sale["receipt_job_id"])
    text = files["txt"].decode("utf-8")
    lines = text.splitlines()
    assert any(li.startswith("Kaffee") and li.endswith("1,68 € A") for li in lines)
    assert "  2 × 0,84 €" in lines and "2,00 €" not in text
    assert any(li.startswith("SUMME netto") and li.endswith("1,68 €") for li in lines)
    assert any(li.startswith("A 19 %") and " 0,00 € " in li for li in lines)
    assert "Steuerschuldnerschaft des Leistungsempfängers" in " ".join(text.split())
    assert any(li.startswith("USt-IdNr. Kunde") and li.endswith(CUSTOMER_VAT_ID) for li in lines)
    assert any(li.startswith("USt-IdNr. Verkäufer") and li.endswith("DE123456789") for li in lines)
    raw = files["escpos"]
    assert b"1,68 \xd5 A" in raw and CUSTOMER_VAT_ID.encode() in raw and b"2,00 \xd5" not in raw
    assert "Leistungsempfängers".encode("cp858") in raw
    width, height = decodes(files["png"])
    assert width == 42 * 12 + 32 and height > 24 * len(lines)
    # A reprint rebuilt from the journal (never queued) says the same.
    quiet = {**BASKET, "receipt_no": "T1-000701", "print_receipt": False}
    status, sale2 = svc.request("POST", "/checkouts", quiet)
    assert status == 201, sale2
    status, job = svc.request("POST", "/receipts", {"checkout_id": sale2["checkout_id"]})
    assert status == 201, job
    rebuilt = printed(svc, tmp_path, job["job_id"])["txt"].decode("utf-8")
    assert "T1-000701" in rebuilt and CUSTOMER_VAT_ID in rebuilt and "2,00 €" not in rebuilt
    assert any(li.startswith("Kaffee") and li.endswith("1,68 € A") for li in rebuilt.splitlines())


def test_a_receipt_shows_the_seller_and_local_time(svc: Service, tmp_path: Path) -> None:
    funded_customer(svc)
    # Fixed instants of the sale: winter (CET, UTC+1), summer (CEST, UTC+2),
    # and the last minute before the spring change.
    cases = [("2026-12-03T13:05:00.000001Z", "03.12.2026 14:05"),
             ("2026-07-01T22:30:00.000001Z", "02.07.2026 00:30"),
             ("2026-03-29T00:59:00.000001Z", "29.03.2026 01:59")]  # fmt: skip
    for n, (utc, local) in enumerate(cases):
        basket = {**BASKET, "receipt_no": f"T1-00080{n}", "print_receipt": False}
        status, sale = svc.request("POST", "/checkouts", basket)
        assert status == 201, sale
        svc.box.db.write(
            lambda c, utc=utc, op=sale["checkout_id"]: c.execute(
                "UPDATE operations SET created_at = ? WHERE id = ?", [utc, op]
            )
        )
        # Never queued: POST /receipts rebuilds it from the journal, with its time.
        status, job = svc.request("POST", "/receipts", {"checkout_id": sale["checkout_id"]})
        assert status == 201, job
        text = printed(svc, tmp_path, job["job_id"])["txt"].decode("utf-8")
        assert re.search(rf"^Datum +{re.escape(local)}$", text, re.M), text
        assert not re.search(r"\d{4}-\d\d-\d\dT", text)  # never a raw UTC timestamp
    assert "Hauptstr. 1" in text and "12345 Musterstadt" in text
    assert "USt-IdNr. DE123456789" in text and "St.-Nr. 12/345/67890" in text
    assert "Steuerschuldnerschaft" not in text


def test_a_refund_prints_a_refund_receipt(svc: Service, tmp_path: Path) -> None:
    funded_customer(svc)
    status, sale = svc.request("POST", "/checkouts", {**BASKET, "print_receipt": False})
    assert status == 201, sale
    status, refund = svc.request("POST", f"/payments/{sale['payment_id']}/refunds", {"amount": 150})
    assert status == 201, refund
    status, job = svc.request("POST", "/receipts", {"operation_id": refund["refund_id"]})
    assert status == 201, job
    assert job["kind"] == "refund" and job["source_id"] == refund["refund_id"]
    files = printed(svc, tmp_path, job["job_id"])
    text = files["txt"].decode("utf-8")
    lines = text.splitlines()
    assert "R Ü C K G A B E" in text and "SUMME" not in text
    assert any(li.startswith("Originalbeleg") and li.endswith("T1-000700") for li in lines)
    assert any(li.startswith("Zahlung Nr.") and li.endswith(sale["payment_id"]) for li in lines)
    assert any(li.startswith("Erstattet") and li.endswith("-1,50 €") for li in lines)
    assert any(li.startswith("  auf Guthaben") and li.endswith("1,50 €") for li in lines)
    cash_after = f"{refund['cash'] // 100},{refund['cash'] % 100:02d} €"
    assert any(li.startswith("  Guthaben") and li.endswith(cash_after) for li in lines)
    assert "RÜCKGABE".encode("cp858") in files["escpos"] and b"-1,50 \xd5" in files["escpos"]
    assert decodes(files["png"])[0] == 42 * 12 + 32
    # The payment itself is no refund: still 404 for anything but top-up/payout/refund.
    status, _ = svc.request("POST", "/receipts", {"operation_id": sale["payment_id"]})
    assert status == 404


@pytest.mark.parametrize("net_mode", [0, 1], ids=["gross", "net"])
def test_a_rebuilt_receipt_is_the_one_printed_at_the_sale(svc: Service, net_mode: int) -> None:
    """Discounts, VAT after points and net mode: a receipt rebuilt from the
    journal says exactly what the sale's own receipt said."""
    # A business with a foreign VAT ID is reverse charge by itself: the gross case has none.
    vat_id = CUSTOMER_VAT_ID if net_mode else None
    fields = {"net_mode": net_mode, "vat_id": vat_id, "discount_percent": 5}
    cid = funded_customer(svc, type="business", display_name="Acme BV", company_name="Acme BV",
                          **fields)  # fmt: skip
    assert svc.request("POST", f"/customers/{cid}/topups", {"amount": 3000})[0] == 201
    lines = [*BASKET["lines"], {"sku": "2", "name": "Kuchen", "quantity": "3", "unit_price": 250,
                                "vat_rate_bp": 700, "discountable": False}]  # fmt: skip
    status, first = svc.request("POST", "/checkouts", {**BASKET, "lines": lines})
    assert status == 201, first
    assert first["points_earned"] > 0
    basket = {**BASKET, "receipt_no": "T1-000702", "lines": lines, "redeem_points": 3}
    status, sale = svc.request("POST", "/checkouts", basket)
    assert status == 201, sale
    assert sale["points_redeemed"] == 3 and sale["net_mode"] is bool(net_mode)
    assert sum(v["gross"] for v in sale["vat"]) == sale["total"]
    reader = svc.box.db.reader()
    original = printing.latest_document_for(reader, "checkout", sale["checkout_id"])
    rebuilt = reprints.rebuild_checkout(reader, svc.box.config, sale["checkout_id"])
    assert original is not None and rebuilt is not None
    assert rebuilt.text() == original.text()
    assert ("Steuerschuldnerschaft" in original.text()) is bool(net_mode)
