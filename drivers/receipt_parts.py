"""The parts every receipt and slip shares: the seller's identity, the
receipt number with the local date and time, the customer, balances after.

A receipt an auditor accepts names the seller (name, address, VAT ID and/or
tax number) and the date and time where the sale happened: timestamps arrive
in UTC (the journal's) and are printed in ``box["timezone"]`` (IANA name,
default Europe/Berlin), formatted by Babel for the receipt's language.
Imports :mod:`l10n`, :mod:`drivers.receipt_document` and the standard library.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import l10n
from drivers.receipt_document import Document, format_money
from l10n.catalogs import Gettext

__all__ = ["DEFAULT_TIMEZONE", "Money", "balances", "header", "local_time", "meta", "money_in"]

DEFAULT_TIMEZONE = "Europe/Berlin"

Money = Callable[[int], str]


def money_in(currency: str, locale: str) -> Money:
    """The money formatter of one receipt (its currency and language)."""

    def money(minor: int) -> str:
        return format_money(int(minor), currency, locale)

    return money


def local_time(at: str, timezone: str = DEFAULT_TIMEZONE, locale: str = "de") -> str:
    """A UTC ISO timestamp (``2026-12-03T13:05:00.123456Z``) as the shop's
    wall clock: ``03.12.2026 14:05`` (de) / ``3 Dec 2026 14:05`` (en).

    A timestamp without an offset is UTC (what :mod:`edge.platform.clock`
    writes); an unreadable one is printed as given rather than dropped.
    """
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return at
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone(ZoneInfo(timezone))
    return f"{l10n.day(local.date(), locale)} {l10n.time_of_day(local, locale)}"


def header(doc: Document, box: Mapping[str, Any], _: Gettext) -> None:
    """Shop name, address lines, VAT ID and tax number, centred."""
    if box.get("name"):
        doc.big(str(box["name"]))
    address = box.get("address") or []
    if isinstance(address, str):
        address = address.split("\n")
    for part in address:
        doc.add(str(part), align="center")
    if box.get("phone"):
        doc.add(str(box["phone"]), align="center")
    if box.get("vat_id"):
        doc.add(_("slip_vat_id") + f" {box['vat_id']}", align="center")
    if box.get("tax_number"):
        doc.add(_("slip_tax_number") + f" {box['tax_number']}", align="center")
    doc.rule()


def meta(
    doc: Document,
    data: Mapping[str, Any],
    box: Mapping[str, Any],
    _: Gettext,
    locale: str,
    *,
    receipt_label: str | None = None,
) -> None:
    """Receipt number (``receipt_label`` names it, e.g. the original
    receipt on a refund), local date and time, customer."""
    if data.get("receipt_no"):
        doc.pair(receipt_label or _("slip_receipt"), str(data["receipt_no"]))
    when = data.get("at") or data.get("created_at")
    if when:
        zone = str(box.get("timezone") or DEFAULT_TIMEZONE)
        doc.pair(_("slip_date"), local_time(str(when), zone, locale))
    customer = data.get("customer") or {}
    if customer:
        name = customer.get("display_name") or ""
        number = customer.get("customer_number") or customer.get("number")
        doc.add(_("slip_customer") + f": {name}" + (f" ({number})" if number else ""))


def balances(doc: Document, data: Mapping[str, Any], _: Gettext, money: Money) -> None:
    """Cash, bonus and points after the operation (those the data has)."""
    shown = [k for k in ("cash", "bonus") if data.get(k) is not None]
    if not shown and data.get("points") is None:
        return
    doc.add(_("slip_balances"), bold=True)
    names = {"cash": _("slip_cash"), "bonus": _("slip_bonus")}
    for key in shown:
        doc.pair(f"  {names[key]}", money(int(data[key])))
    if data.get("points") is not None:
        doc.pair("  " + _("slip_points"), str(int(data["points"])))
