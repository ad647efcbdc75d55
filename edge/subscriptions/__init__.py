"""Subscriptions (BACKOFFICE §10, docs/subscriptions.md): recurring invoices,
each period billed exactly once through the invoice book. Imports
``edge.platform``, ``edge.customers`` and ``edge.invoices``."""
