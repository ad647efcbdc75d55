"""The house account: invoices, their numbers, payments, dunning and e-invoice documents
(BACKOFFICE §8–§9 in the project's docs/invoices.md)."""
