"""Stored value: top-ups, payments, refunds, voids, payouts, corrections,
points and checkouts (SPEC §2–§5).

The rules are computed by the Rust core (``edge.ledger``); this package loads
the inputs, writes the operation, its journal entries (hash-chained) and the
balance cache inside one write transaction, and shapes the answers.
"""
