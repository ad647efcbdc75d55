"""What the house account refuses (BACKOFFICE §8), as domain errors; their
HTTP statuses are in ``edge.api.problems.STATUS``. Imports ``edge.errors``."""

from __future__ import annotations

from edge.errors import CodedError, Conflict


class InvoicePaymentNotAllowed(Conflict):
    """The customer may not pay by invoice: ``allow_invoice_payment`` is off."""

    code = "invoice_payment_not_allowed"


class CreditLimitExceeded(Conflict):
    """Open invoices plus the new one would pass the customer's credit limit;
    ``credit_limit``, ``open`` and ``available`` are the numbers."""

    code = "credit_limit_exceeded"


class PaymentExceedsOwed(Conflict):
    """A payment larger than what the invoice still owes; ``owed`` says how much."""

    code = "payment_exceeds_owed"


class EInvoiceRefused(CodedError):
    """The e-invoice failed its validation (schema or EN 16931 rules): the
    invoice stays a draft and no number was taken. ``rules`` lists the
    violated rule ids, ``errors`` the messages."""

    code = "einvoice_invalid"
