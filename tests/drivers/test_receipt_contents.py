"""What an auditor reads (SPEC §5 "Receipts"), checked in all three real
renderings — text, PNG and ESC/POS bytes: the seller's identity, local date
and time, net lines with VAT 0 and the reverse-charge note in net mode, and
refunds printed as refunds."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from drivers.receipt_parts import local_time
from drivers.receipt_render import render_escpos, render_png
from drivers.receipts import Document, checkout_receipt, net_of, refund_slip
from edge import ledger

BOX = {
    "name": "Café Anna",
    "address": ["Hauptstr. 1", "12345 Musterstadt"],
    "vat_id": "DE123456789",
    "tax_number": "12/345/67890",
    "timezone": "Europe/Berlin",
}
CUSTOMER_VAT_ID = "NL123456789B01"


def net_checkout() -> dict[str, object]:
    """A reverse-charge sale priced by the real core (2 × 1,00 € at 19 %
    with 10 % off, 2,50 € at 7 %), shaped like the checkout response."""
    items = [("Kaffee", "2", 100, 1900), ("Kuchen", "1", 250, 700)]
    basket = ledger.price_basket(
        [
            {"unit_price": u, "quantity": q, "vat_rate_bp": r, "discountable": True}
            for _, q, u, r in items
        ],
        10,
        net_mode=True,
    )
    lines = [
        {"name": name, "quantity": q, "unit_price": u, "vat_rate_bp": r, "gross": p.gross,
         "discount_percent": p.discount_percent, "discount": p.discount, "total": p.total}
        for (name, q, u, r), p in zip(items, basket.lines, strict=True)
    ]  # fmt: skip
    return {
        "receipt_no": "T1-000500",
        "at": "2026-12-03T13:05:00.000000Z",
        "net_mode": True,
        "customer": {
            "display_name": "Acme BV",
            "customer_number": "K-7",
            "vat_id": CUSTOMER_VAT_ID,
        },
        "lines": lines,
        "total": basket.total,
        "vat": [
            {"rate_bp": v.rate_bp, "net": v.net, "vat": v.vat, "gross": v.gross} for v in basket.vat
        ],
        "cash": 1000,
        "bonus": 0,
    }


def amounts(text: str) -> list[int]:
    """The euro amounts at the right of item and discount lines, in cents."""
    out = []
    for line in text.splitlines():
        if line.startswith(("Kaffee", "Kuchen", "  Rabatt")):
            figure = line.rstrip(" AB").removesuffix(" €").rsplit(" ", 1)[-1]
            out.append(int(figure.replace(",", "")))
    return out


def test_net_mode_text_has_net_lines_vat_zero_and_both_vat_ids() -> None:
    checkout = net_checkout()
    text = checkout_receipt(BOX, checkout).text()
    assert checkout["total"] == 361  # 168 - 17 + 234 - 24, all net
    assert sum(amounts(text)) == checkout["total"]  # the lines add up to the net total
    lines = text.splitlines()
    assert any(li.startswith("Kaffee") and li.endswith("1,68 € A") for li in lines)
    assert "  2 × 0,84 €" in lines
    assert "2,00 €" not in text and "2,50 €" not in text  # no gross amount anywhere
    assert any(li.startswith("SUMME netto") and li.endswith("3,61 €") for li in lines)
    vat_rows = [li for li in lines if li.startswith(("A 19 %", "B 7 %"))]
    assert len(vat_rows) == 2 and all(" 0,00 € " in row for row in vat_rows)
    flat = " ".join(text.split())
    assert "Steuerschuldnerschaft des Leistungsempfängers" in flat
    assert any(li.startswith("USt-IdNr. Verkäufer") and li.endswith("DE123456789") for li in lines)
    assert any(li.startswith("USt-IdNr. Kunde") and li.endswith(CUSTOMER_VAT_ID) for li in lines)
    english = " ".join(checkout_receipt(BOX, checkout, locale="en").text().split())
    assert "Reverse charge: VAT to be accounted for by the recipient" in english
    assert f"Customer VAT ID {CUSTOMER_VAT_ID}" in english


def test_net_mode_in_escpos_bytes_and_png() -> None:
    doc = checkout_receipt(BOX, net_checkout())
    raw = render_escpos(doc)
    assert b"1,68 \xd5 A" in raw and b"SUMME netto" in raw  # € is 0xD5 in CP858
    assert "Steuerschuldnerschaft des".encode("cp858") in raw
    assert "Leistungsempfängers".encode("cp858") in raw
    assert b"DE123456789" in raw and CUSTOMER_VAT_ID.encode() in raw
    assert b"0,00 \xd5" in raw
    assert b"2,00 \xd5" not in raw  # no gross line amount anywhere
    png = io.BytesIO()
    render_png(doc).save(png, format="PNG")
    image = Image.open(io.BytesIO(png.getvalue()))
    image.load()  # decodes
    assert image.size[0] == doc.width * 12 + 32
    doubles = sum(1 for line in doc.lines if line.double)
    assert image.size[1] == 32 + 24 * (len(doc.lines) + doubles) + 24
    assert image.getextrema() == (0, 255)  # ink on paper


def test_net_of_matches_the_core() -> None:
    for gross in (0, 1, 99, 100, 119, 1000, 12345):
        for rate in (0, 700, 1900, 550):
            (line,) = ledger.price_basket(
                [{"unit_price": gross, "quantity": "1", "vat_rate_bp": rate}], 0, net_mode=True
            ).lines
            assert net_of(gross, rate) == line.total


@pytest.mark.parametrize(
    ("utc", "de", "en"),
    [
        ("2026-12-03T13:05:00.469597Z", "03.12.2026 14:05", "3 Dec 2026 14:05"),  # CET, +1
        ("2026-07-01T12:00:00Z", "01.07.2026 14:00", "1 Jul 2026 14:00"),  # CEST, +2
        ("2026-03-29T00:59:59Z", "29.03.2026 01:59", "29 Mar 2026 01:59"),  # last second of CET
        ("2026-03-29T01:00:00Z", "29.03.2026 03:00", "29 Mar 2026 03:00"),  # clocks jump
        ("2026-12-31T23:30:00Z", "01.01.2027 00:30", "1 Jan 2027 00:30"),  # a new day locally
    ],
)
def test_local_time_in_the_box_timezone(utc: str, de: str, en: str) -> None:
    assert local_time(utc, "Europe/Berlin", "de") == de
    assert local_time(utc, "Europe/Berlin", "en") == en


def test_a_normal_receipt_shows_the_seller_and_local_time_never_utc() -> None:
    checkout = dict(net_checkout(), net_mode=False, at="2026-07-01T12:00:00.123456Z")
    doc = checkout_receipt(BOX, checkout)
    text = doc.text()
    assert "Hauptstr. 1" in text and "12345 Musterstadt" in text
    assert "USt-IdNr. DE123456789" in text and "St.-Nr. 12/345/67890" in text
    assert any(
        li.startswith("Datum") and li.endswith("01.07.2026 14:00") for li in text.splitlines()
    )
    assert "2026-07-01" not in text and "12:00" not in text
    assert "Steuerschuldnerschaft" not in text
    raw = render_escpos(doc)
    assert b"01.07.2026 14:00" in raw and b"Hauptstr. 1" in raw and b"DE123456789" in raw
    elsewhere = checkout_receipt(dict(BOX, timezone="America/New_York"), checkout).text()
    assert "01.07.2026 08:00" in elsewhere


REFUND = {
    "amount": 300, "to_cash": 200, "to_bonus": 100, "points_taken_back": 3,
    "receipt_no": "T1-000500", "payment_id": "41", "at": "2026-12-03T13:05:00Z",
    "customer": {"display_name": "Jürgen Groß", "number": "K-1001"},
    "cash": 1700, "bonus": 100, "points": 9,
}  # fmt: skip


def refund_doc(locale: str = "de") -> Document:
    return refund_slip(BOX, REFUND, locale=locale)


def test_a_refund_prints_as_a_refund() -> None:
    doc = refund_doc()
    assert doc.kind == "refund"
    text = doc.text()
    lines = text.splitlines()
    assert "R Ü C K G A B E" in text
    assert any(li.startswith("Originalbeleg") and li.endswith("T1-000500") for li in lines)
    assert any(li.startswith("Zahlung Nr.") and li.endswith("41") for li in lines)
    assert any(li.startswith("Erstattet") and li.endswith("-3,00 €") for li in lines)
    assert any(li.startswith("  auf Guthaben") and li.endswith("2,00 €") for li in lines)
    assert any(li.startswith("  auf Bonus") and li.endswith("1,00 €") for li in lines)
    assert any(li.startswith("Punkte zurückgenommen") and li.endswith("-3") for li in lines)
    assert any(li.startswith("  Guthaben") and li.endswith("17,00 €") for li in lines)
    assert "03.12.2026 14:05" in text and "SUMME" not in text
    english = refund_doc("en").text()
    assert "R E F U N D" in english and "-€3.00" in english and "Original receipt" in english
    raw = render_escpos(doc)
    assert "RÜCKGABE".encode("cp858") in raw and b"-3,00 \xd5" in raw
