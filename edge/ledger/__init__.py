"""Typed façade over the compiled money core (``edge._ledger_core``).

This package is the only thing the services import: the operations
(``operations``), the journal's shape and checks (``journal``) and the
refusals (``errors``, domain errors carrying their API code), plus the core's
result classes and pure helpers as its stub lists them. The Rust core looks
its exception classes up here by name, so they stay attributes of
``edge.ledger``. Imports the compiled core and ``edge.errors``; no Flask.

Amounts are ``int`` minor units; the core refuses anything above
``MAX_AMOUNT`` (10^12). Rates are basis points, discounts whole percents.

Rules chosen where SPEC.md is silent (keep them in sync with the Rust core):

- Top-up: ``max_topup=None`` and ``max_balance`` None/0 mean no limit;
  ``max_balance`` is checked on cash + bonus after the top-up, new bonus
  included. Among tiers with the same ``from`` the last listed wins; bonus and
  VAT rates must be 0..10000 bp (InvalidRate).
- Payment with ``allow_partial`` on empty balances (cash and bonus 0) is
  refused with InsufficientFunds like any uncovered payment: it could take
  nothing, and an operation without entries is not a payment.
- Points taken back on a refund are posted as Earned (0) with a negative
  amount. For several partial refunds of one checkout pass
  ``already_refunded``: the due points are computed on the cumulative refund,
  so all refunds together never take back more than was earned.
- Void needs both balances to cover the top-up (else InsufficientFunds with
  ``account`` "cash" or "bonus"); the service says whether it was voided.
- Corrections of 0 are refused (InvalidAmount); points corrections use the
  points Correction code (2).
- A redemption request on a blocked points program raises PointsBlocked
  (requesting 0 is fine); ``point_value`` must be >= 1.
- Pricing: a quantity is ``digits[.1-3 digits]`` and > 0 (no sign, exponent,
  comma or spaces; an ``int`` is a whole quantity; floats are refused);
  ``unit_price`` must be >= 0. A points redemption is a price reduction
  (SPEC §4): its value is spread over the VAT rates by largest remainder
  (``VatLine.points_share``), and each row's ``gross`` is the rate's sum of
  line totals less its share, so the rows' gross add up to ``total``; VAT is
  computed on that gross. In net mode every VAT row has ``vat = 0`` and
  ``net = gross`` (the net line totals less the share).
- Verification checks, in ``seq`` order: ``seq`` counts 1, 2, 3, … (a gap
  is reported at the first missing seq, "entry 5 missing", not at the entry
  after it whose hash no longer chains), type code valid for the account,
  amount non-zero and <= MAX_AMOUNT, the hash chain, no balance below zero,
  the ``*_after`` columns (credit rows need cash/bonus_after, points rows
  points_after), then every ``balances`` row against the replay (a customer
  without a row must replay to zero). It stops at the first problem.
"""

from __future__ import annotations

from edge import _ledger_core as _core
from edge._ledger_core import *  # noqa: F403  (result classes and helpers, as the stub lists them)
from edge.ledger import errors as _errors
from edge.ledger import journal as _journal
from edge.ledger import operations as _operations
from edge.ledger.errors import *  # noqa: F403
from edge.ledger.journal import *  # noqa: F403
from edge.ledger.operations import *  # noqa: F403  (after the core: replaces its positional calls)

__all__ = sorted(
    {*_core.__all__, *_errors.__all__, *_journal.__all__, *_operations.__all__} - {"VERSION"}
)
