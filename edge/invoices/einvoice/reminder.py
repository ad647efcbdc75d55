"""The dunning reminder (BACKOFFICE §9) as a PDF/A-3b letter: which invoice,
what is owed (principal, fees, interest, the business flat fee) and the new
deadline, at dunning level 1, 2 or 3.

A reminder is not an invoice, so it carries no XML; its amounts are what the
dunning run computed and stored, the renderer only prints them.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Literal

import l10n
from edge.invoices.document import Party
from edge.invoices.einvoice.page import Page
from l10n import N_

TITLES = {
    1: N_("einvoice_reminder_title_1"),
    2: N_("einvoice_reminder_title_2"),
    3: N_("einvoice_reminder_title_3"),
}
LEVELS = tuple(TITLES)


@dataclasses.dataclass(frozen=True)
class Reminder:
    level: int  # 1, 2 or 3
    issue_date: date
    deadline: date  # the new date to pay by
    seller: Party
    buyer: Party
    invoice_number: str
    invoice_date: date
    invoice_due_date: date
    currency: str
    principal: int  # open principal, minor units
    fees: int = 0  # dunning fees still owed (all levels so far), minor units
    interest: int = 0  # default interest still owed, minor units
    flat_fee: int = 0  # §288(5) BGB flat fee for business customers, minor units
    interest_bp_per_year: int = 0  # shown beside the interest when set
    language: Literal["de", "en"] = "de"

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"dunning level must be 1, 2 or 3, not {self.level!r}")
        for name in ("principal", "fees", "interest", "flat_fee"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be non-negative minor units, not {value!r}")

    @property
    def total(self) -> int:
        return self.principal + self.fees + self.interest + self.flat_fee


def render_reminder(reminder: Reminder) -> bytes:
    """The reminder letter as PDF/A-3b bytes."""
    r = reminder
    _ = l10n.translator(r.language)
    title = _(TITLES[r.level])
    pdf = Page(r.language, f"{r.seller.name} · {title} · {r.invoice_number}")
    pdf.stamp(r.issue_date, f"{title} {r.invoice_number}", r.seller.name)
    pdf.add_page()
    pdf.letterhead(r.seller, r.buyer)
    pdf.heading(title)
    pdf.facts(
        [
            (_("einvoice_reminder_date"), pdf.day(r.issue_date)),
            (_("einvoice_reminder_level_label"), str(r.level)),
            (_("einvoice_number"), r.invoice_number),
            (_("einvoice_issue_date"), pdf.day(r.invoice_date)),
            (_("einvoice_due_date"), pdf.day(r.invoice_due_date)),
        ]
    )
    pdf.paragraph(
        _("einvoice_reminder_intro").format(
            number=r.invoice_number,
            date=pdf.day(r.invoice_date),
            due=pdf.day(r.invoice_due_date),
        )
    )
    pdf.ln(2)
    pdf.sums(_owed(pdf, r))
    pdf.paragraph(
        _("einvoice_reminder_deadline").format(
            amount=pdf.money(r.total, r.currency), date=pdf.day(r.deadline)
        ),
        bold=True,
    )
    pdf.paragraph(_("einvoice_reminder_closing"))
    return bytes(pdf.output())


def _owed(pdf: Page, r: Reminder) -> list[tuple[str, str, bool]]:
    _ = pdf._
    rows = [(_("einvoice_reminder_principal"), pdf.money(r.principal, r.currency), False)]
    if r.fees:
        rows.append((_("einvoice_reminder_fees"), pdf.money(r.fees, r.currency), False))
    if r.interest:
        label = _("einvoice_reminder_interest")
        if r.interest_bp_per_year:
            rate = l10n.percent(r.interest_bp_per_year, pdf.language)
            label += " " + _("einvoice_reminder_interest_rate").format(rate=rate)
        rows.append((label, pdf.money(r.interest, r.currency), False))
    if r.flat_fee:
        rows.append((_("einvoice_reminder_flat_fee"), pdf.money(r.flat_fee, r.currency), False))
    rows.append((_("einvoice_amount_due"), pdf.money(r.total, r.currency), True))
    return rows
