"""Slips beside the sale receipt: top-up, payout, refund, the boot status
slip and free text. Plain dicts in (the API's shapes), a :class:`Document` out.

A refund prints as a refund (SPEC §5): its own title, the refunded amount
negative, where it went (cash credit, bonus), the balances after and the
original receipt number and payment it refunds. Imports :mod:`l10n` and the
``drivers.receipt_*`` modules only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import l10n
from drivers.receipt_document import Document
from drivers.receipt_parts import Money, balances, header, meta, money_in
from l10n import N_
from l10n.catalogs import Gettext

__all__ = ["payout_slip", "refund_slip", "status_slip", "text_document", "topup_slip"]


def _money_slip(
    kind: str,
    title: str,
    box: Mapping[str, Any],
    data: Mapping[str, Any],
    locale: str,
    width: int,
    currency: str | None,
    *,
    receipt_label: str | None = None,
) -> tuple[Document, Gettext, Money]:
    """The top of every money slip: seller, big title, receipt number, date,
    customer. ``title`` is a msgid; ``receipt_label`` one too (or None)."""
    _ = l10n.translator(locale)
    money = money_in(currency or str(data.get("currency") or "EUR"), locale)
    doc = Document(kind, _(title), width)
    header(doc, box, _)
    doc.big(_(title))
    label = _(receipt_label) if receipt_label else None
    meta(doc, data, box, _, locale, receipt_label=label)
    return doc, _, money


def topup_slip(
    box: Mapping[str, Any],
    topup: Mapping[str, Any],
    *,
    locale: str = "de",
    width: int = 42,
    currency: str | None = None,
) -> Document:
    """Slip for a credit top-up: amount, bonus granted, balances after."""
    doc, _, money = _money_slip("topup", N_("slip_topup"), box, topup, locale, width, currency)
    doc.rule()
    doc.pair(_("slip_topup_amount"), money(int(topup.get("amount", 0))), bold=True)
    if topup.get("bonus_granted"):
        doc.pair(_("slip_bonus_granted"), money(int(topup["bonus_granted"])))
    doc.rule()
    balances(doc, topup, _, money)
    return doc


def payout_slip(
    box: Mapping[str, Any],
    payout: Mapping[str, Any],
    *,
    locale: str = "de",
    width: int = 42,
    currency: str | None = None,
) -> Document:
    """Slip for a cash payout, with a signature line for the customer."""
    doc, _, money = _money_slip("payout", N_("slip_payout"), box, payout, locale, width, currency)
    doc.rule()
    doc.pair(_("slip_payout_amount"), money(int(payout.get("amount", 0))), bold=True)
    doc.rule()
    balances(doc, payout, _, money)
    doc.blank()
    doc.blank()
    doc.add("_" * min(width, 32))
    doc.add(_("slip_signature"))
    return doc


def refund_slip(
    box: Mapping[str, Any],
    refund: Mapping[str, Any],
    *,
    locale: str = "de",
    width: int = 42,
    currency: str | None = None,
) -> Document:
    """A refund receipt: ``{amount, to_cash, to_bonus, receipt_no (the
    original's), payment_id, points_taken_back, cash, bonus, points, at}``."""
    doc, _, money = _money_slip(
        "refund",
        N_("slip_refund"),
        box,
        refund,
        locale,
        width,
        currency,
        receipt_label=N_("slip_original_receipt"),
    )
    if refund.get("payment_id"):
        doc.pair(_("slip_payment_ref"), str(refund["payment_id"]))
    doc.rule()
    # Negative: money going back to the customer, as a till shows a return.
    doc.pair(_("slip_refund_amount"), money(-int(refund.get("amount", 0))), bold=True)
    if refund.get("to_cash"):
        doc.pair("  " + _("slip_to_cash"), money(int(refund["to_cash"])))
    if refund.get("to_bonus"):
        doc.pair("  " + _("slip_to_bonus"), money(int(refund["to_bonus"])))
    if refund.get("points_taken_back"):
        doc.pair(_("slip_points_taken_back"), str(-int(refund["points_taken_back"])))
    doc.rule()
    balances(doc, refund, _, money)
    return doc


def status_slip(
    box: Mapping[str, Any],
    *,
    addresses: Sequence[str],
    tls_fingerprint: str,
    pairing_hint: str,
    pairing_qr: str | None = None,
    version: str = "",
    locale: str = "de",
    width: int = 42,
) -> Document:
    """Printed at boot: where the box is and how to pair a terminal;
    ``pairing_qr`` (URL and fingerprint to pin) as a QR code a till scans."""
    _ = l10n.translator(locale)
    doc = Document("status", _("slip_status"), width)
    header(doc, box, _)
    doc.big(_("slip_status"))
    if version:
        doc.pair(_("slip_version"), version)
    for address in addresses:
        doc.add(_("slip_address") + f": {address}")
    doc.blank()
    doc.add(_("slip_fingerprint") + ":", bold=True)
    # Colon-separated hex pairs break cleanly at a colon, never mid-pair.
    groups = [g for g in tls_fingerprint.split(":") if g]
    per_line = max(1, (width + 1) // 3)
    for i in range(0, len(groups), per_line):
        doc.add(":".join(groups[i : i + per_line]))
    doc.blank()
    doc.add(_("slip_pairing") + f": {pairing_hint}")
    if pairing_qr:
        doc.blank()
        doc.qr(pairing_qr)
    return doc


def text_document(
    lines: Iterable[str], *, title: str = "", width: int = 42, cut: bool = True
) -> Document:
    """Free text (``POST /receipts`` without a checkout)."""
    doc = Document("text", title, width, cut=cut)
    if title:
        doc.add(title, align="center", bold=True)
    for line in lines:
        doc.add(str(line))
    return doc
