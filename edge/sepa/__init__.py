"""SEPA direct debit (BACKOFFICE §10, docs/sepa.md).

The pure side — ``model`` (the value types), ``charset`` (the SEPA character
set and transliteration), ``identifiers`` (IBAN, BIC, creditor identifier),
``calendar`` (TARGET2 business days), ``preflight`` (every rule the XSD
cannot check) and ``pain008`` (the ISO 20022 ``pain.008.001.08`` file) — holds
no database; mandates and collections build on it. Imports ``edge.errors``
and ``edge.platform``.
"""
