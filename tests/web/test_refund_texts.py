"""The panel reads a refund as a refund (issue #16), in German and English: the
credit tab's word for it, the points tab's taken-back points with the box's own
reason in the page's language, and the purchases tab net of refunds."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from edge.platform.box import Box
from tests.support.panel import Panel, make_customer

WORDS = {
    # lang: (payment, refund, taken back, the reason, purchase mark, refund amount, net total)
    "de": (
        "Zahlung",
        "Erstattung",
        "Zurückgebucht",
        "wegen einer Erstattung",
        "(3,00 € erstattet)",
        "3,00",
        "5,99",
    ),
    "en": ("Payment", "Refund", "Taken back", "for a refund", "(€3.00 refunded)", "3.00", "5.99"),
}


def rows(html: str) -> list[str]:
    """The text of each table body row, tags dropped."""
    body = "".join(re.findall(r"<tbody>(.*?)</tbody>", html, re.S))
    return [
        " ".join(re.sub(r"<[^>]+>", " ", r).split())
        for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture
def refunded_sale(staff: Box, pos) -> int:  # type: ignore[no-untyped-def]
    """A customer whose 8,99 € sale (8 points) was refunded by 3,00 € (3 points back)."""
    cid = make_customer(staff)
    assert pos.post(f"/customers/{cid}/topups", {"amount": 4000}).status_code == 201
    sale = pos.post(
        "/checkouts",
        {
            "customer_id": str(cid),
            "receipt_no": "W-1",
            "lines": [{"name": "Brot", "unit_price": 899, "vat_rate_bp": 700}],
            "tenders": [{"type": "credit"}],
        },
    )
    assert sale.status_code == 201, sale.json
    refund = pos.post(f"/payments/{sale.json['payment_id']}/refunds", {"amount": 300})
    assert refund.status_code == 201, refund.json
    return cid


@pytest.mark.parametrize("lang", sorted(WORDS))
def test_refund_words_in_the_pages_language(
    app: Flask, staff: Box, refunded_sale: int, lang: str
) -> None:
    payment, refund, taken_back, reason, mark, three, net = WORDS[lang]
    panel = Panel(app.test_client(), lang=lang)
    panel.login("cara")
    base = f"/customers/{refunded_sale}?tab="

    refund_row, sale_row, _topup = rows(panel.text(base + "credit"))  # newest first
    assert refund in refund_row and three in refund_row and payment not in refund_row
    assert payment in sale_row and refund not in sale_row

    points = panel.text(base + "points")
    taken = [r for r in rows(points) if taken_back in r]
    assert len(taken) == 1 and f"({reason})" in taken[0] and "-3" in taken[0].replace("−", "-")
    assert "points taken back for a refund" not in points

    purchases = panel.text(base + "purchases")
    (purchase,) = rows(purchases)
    assert mark in purchase
    assert net in purchases  # the statistics: 8,99 € − 3,00 €
