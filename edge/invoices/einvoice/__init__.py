"""E-invoice documents (BACKOFFICE §8): an invoice document as EN 16931 CII XML
(ZUGFeRD 2.x / Factur-X profile EN 16931) inside a PDF/A-3, both checked
offline against the schema and the EN 16931 business rules before anything
counts as issued; and the dunning reminder as a PDF.

The invoice book calls :func:`render_invoice` while issuing; it raises
:class:`EInvoiceInvalid` with the rule ids when the document breaks a rule,
and :class:`ValidatorUnavailable` when the checks cannot run (never "valid").
"""

from __future__ import annotations

import dataclasses

from lxml import etree

from edge.invoices.document import InvoiceDocument
from edge.invoices.einvoice.cii import build_xml
from edge.invoices.einvoice.invoice_pdf import render_pdf
from edge.invoices.einvoice.page import FontMissing
from edge.invoices.einvoice.reminder import Reminder, render_reminder
from edge.invoices.einvoice.validation import (
    Finding,
    ValidatorUnavailable,
    prepare,
    validate_xml,
)

__all__ = [
    "EInvoiceInvalid",
    "FontMissing",
    "Reminder",
    "Rendered",
    "ValidatorUnavailable",
    "prepare",
    "render_invoice",
    "render_pdf",
    "render_reminder",
    "validate_xml",
    "validated_xml",
]

XML_FILENAME = "factur-x.xml"


@dataclasses.dataclass(frozen=True)
class Rendered:
    pdf: bytes  # PDF/A-3b with the XML embedded as factur-x.xml
    xml: bytes  # the CII XML alone (UTF-8), for download


class EInvoiceInvalid(Exception):
    """The document breaks the schema or EN 16931 rules; nothing was rendered."""

    def __init__(self, errors: list[Finding]) -> None:
        self.errors = list(errors)
        ids = ", ".join(dict.fromkeys(rule for rule, _ in self.errors))
        super().__init__(f"e-invoice refused by {ids}")


def validated_xml(doc: InvoiceDocument) -> bytes:
    """The CII XML of ``doc``, checked against the schema and the EN 16931
    rules: what makes an invoice issued. The PDF can follow later from it.

    Raises :class:`EInvoiceInvalid` (with every finding) or
    :class:`ValidatorUnavailable`.
    """
    try:
        xml = build_xml(doc)
    except (ValueError, etree.LxmlError) as err:
        # Text XML cannot hold (control characters): a finding, not a crash.
        raise EInvoiceInvalid([("XML", f"the document cannot be written as XML: {err}")]) from err
    errors = validate_xml(xml)
    if errors:
        raise EInvoiceInvalid(errors)
    return xml


def render_invoice(doc: InvoiceDocument) -> Rendered:
    """The validated XML and the PDF/A-3 carrying it.

    Raises :class:`EInvoiceInvalid` (with every finding) or
    :class:`ValidatorUnavailable`; the PDF is only made from valid XML.
    """
    xml = validated_xml(doc)
    return Rendered(pdf=render_pdf(doc, xml), xml=xml)
