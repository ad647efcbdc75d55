"""The seam to the e-invoice renderer (``edge.invoices.einvoice``).

Issuing needs the CII XML validated against the schema and the EN 16931
rules (``validated_xml(doc)``, raising ``EInvoiceInvalid`` with ``.errors``
as ``(rule_id, message)`` pairs): that runs in the issuing transaction. The
PDF/A-3 (``render_pdf(doc, xml)``, ~150 ms on this class of machine) is made
from the stored XML after the commit, so the single writer — and every
till's top-up behind it — never waits for a page layout. While no renderer
is installed, nothing is rendered and both stay NULL.
Only its absence counts as absence: a renderer that is there but fails to
import (a missing library) raises, so validation can never be skipped
silently. Imports ``edge.invoices``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

from edge.invoices.document import InvoiceDocument
from edge.invoices.errors import EInvoiceRefused

RENDERER = "edge.invoices.einvoice"


def _renderer() -> object | None:
    if RENDERER in sys.modules:
        return sys.modules[RENDERER]
    if importlib.util.find_spec(RENDERER) is None:
        return None
    return importlib.import_module(RENDERER)


def issue_xml(doc: InvoiceDocument) -> bytes | None:
    """The validated CII XML; None without a renderer. A refused validation
    raises :class:`EInvoiceRefused` naming the rules."""
    module = _renderer()
    if module is None:
        return None
    invalid = module.EInvoiceInvalid  # type: ignore[attr-defined]
    try:
        return bytes(module.validated_xml(doc))  # type: ignore[attr-defined]
    except invalid as e:
        problems = [(str(rule), str(message)) for rule, message in e.errors]
        rules = [rule for rule, _ in problems]
        raise EInvoiceRefused(
            "the e-invoice breaks " + ", ".join(rules or ["its validation"]) + _hint(rules),
            errors=[{"field": rule, "message": message} for rule, message in problems],
            rules=rules,
        ) from e


def pdf_of(doc: InvoiceDocument, xml: bytes) -> bytes | None:
    """The PDF/A-3 carrying ``xml``; None without a renderer."""
    module = _renderer()
    if module is None:
        return None
    return bytes(module.render_pdf(doc, xml))  # type: ignore[attr-defined]


# Rules a shop breaks through its own settings, not the sale: say which key.
_SELLER_RULES = {
    "BR-CO-26": "box.vat_id",
    "BR-S-02": "box.vat_id",
    "BR-08": "box.address",
    "BR-09": "box.address",
}


def _hint(rules: list[str]) -> str:
    keys = sorted({_SELLER_RULES[r] for r in rules if r in _SELLER_RULES})
    if not keys:
        return ""
    return f" — the shop's {' and '.join(keys)} must be set in the configuration"
