"""The seam to the e-invoice renderer: ``render(doc) -> (pdf, xml)``.

The renderer (``edge.invoices.einvoice``: ``render_invoice(doc)`` returning
``.pdf`` and ``.xml``, raising ``EInvoiceInvalid`` with ``.errors`` as
``(rule_id, message)`` pairs) validates against the schema and the EN 16931
rules. While it is not installed, nothing is rendered and both stay NULL.
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


def render(doc: InvoiceDocument) -> tuple[bytes | None, bytes | None]:
    """The PDF/A-3 and its CII XML, validated; ``(None, None)`` without a
    renderer. A refused validation raises :class:`EInvoiceRefused`."""
    module = _renderer()
    if module is None:
        return None, None
    invalid = module.EInvoiceInvalid  # type: ignore[attr-defined]
    try:
        out = module.render_invoice(doc)  # type: ignore[attr-defined]
    except invalid as e:
        problems = [(str(rule), str(message)) for rule, message in e.errors]
        rules = [rule for rule, _ in problems]
        raise EInvoiceRefused(
            "the e-invoice breaks " + ", ".join(rules or ["its validation"]),
            errors=[{"field": rule, "message": message} for rule, message in problems],
            rules=rules,
        ) from e
    return bytes(out.pdf), bytes(out.xml)
