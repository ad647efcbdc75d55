"""The tap flow: card on a reader → lookup → ``card.tapped`` → display greeting.

The reader's own thread does the lookup (the same
:func:`edge.customers.cards.tap` behind ``GET /cards/{uid}``, so the event's
customer equals what a terminal gets from that route), publishes the event
for the reader's terminal and greets the customer on the display. Nothing on
that path blocks: the lookup is one indexed read on the thread's own WAL
connection (never waits for the writer), ``publish`` and ``display.show``
only hand over and notify. Handing the tap to another thread first would
add one more thread wake-up per tap, and on a busy 2-core box scheduling
wake-ups is where the tail latency comes from. Each reader keeps its own
order; readers do not wait for each other. The display's texts are the
:mod:`l10n` catalogs' ``pole_*`` entries in ``devices.language``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import l10n
from edge.customers import cards
from edge.errors import CardBlocked, NotFound
from edge.platform.clock import now_iso
from edge.platform.config import Config
from edge.platform.db import Database
from edge.platform.events import EventBus

log = logging.getLogger(__name__)


def _money(config: Config, minor: int) -> str:
    return l10n.plain(l10n.money(minor, config.box.currency, config.devices.language))


def greeting(
    config: Config, customer: Mapping[str, Any] | None, card_status: str = ""
) -> list[str]:
    """The customer display's lines for a tap."""
    _ = l10n.translator(config.devices.language)
    if customer is None:
        return [_("pole_card_blocked") if card_status else _("pole_unknown"), _("pole_ask_staff")]
    if customer.get("blocked"):
        # The lock text is what the shop wants the customer to read; it scrolls if long.
        return [_("pole_blocked"), str(customer.get("lock_text") or "")]
    balance = int(customer.get("cash") or 0) + int(customer.get("bonus") or 0)
    return [
        str(customer.get("display_name") or ""),
        _("pole_balance") + " " + _money(config, balance),
    ]


def checkout_lines(config: Config, body: Mapping[str, Any]) -> list[str]:
    """Total and the balance after a checkout (20 columns: no scrolling in German)."""
    _ = l10n.translator(config.devices.language)
    balance = int(body.get("cash") or 0) + int(body.get("bonus") or 0)
    return [
        _("pole_total") + " " + _money(config, int(body.get("total") or 0)),
        _("pole_new_balance") + " " + _money(config, balance),
    ]


def lookup(db: Database, config: Config, uid: str) -> tuple[dict[str, Any] | None, str]:
    """(customer, card_status): customer None for unknown or blocked/lost cards."""
    try:
        result = cards.tap(db.reader(), uid, config=config)
    except CardBlocked as err:
        return None, str(err.numbers.get("card_status") or "blocked")
    except NotFound:
        return None, ""
    return result["customer"], "active"


class TapHandler:
    """Turns reader callbacks into events and display greetings."""

    def __init__(
        self,
        db: Database,
        config: Config,
        bus: EventBus,
        *,
        terminals: Mapping[str, str],
        simulated: Iterable[str] = (),
        show: Callable[[list[str]], None] | None = None,
    ) -> None:
        self.db = db
        self.config = config
        self.bus = bus
        self.terminals = dict(terminals)
        # Readers whose every card is software (udp:, sim): their taps say
        # simulated: true, whoever presented the card. A real reader's taps
        # cannot be injected, so they are false.
        self.simulated = frozenset(simulated)
        self.show = show
        self.handled = 0

    def __call__(self, reader: str, uid: str) -> None:
        """``on_tap`` for every reader (runs on that reader's thread)."""
        try:
            self.handle(reader, uid)
        except Exception:  # the reader loop must go on whatever a tap does
            log.exception("tap %s on %s failed", uid, reader)

    def handle(self, reader: str, uid: str) -> dict[str, Any]:
        customer, card_status = lookup(self.db, self.config, uid)
        terminal = self.terminals.get(reader, "")
        data: dict[str, Any] = {
            "reader": reader,
            "terminal": terminal or None,
            "uid": uid,
            "customer": customer,
            "card_status": card_status or None,
            "simulated": reader in self.simulated,
            "at": now_iso(),
        }
        self.bus.publish("card.tapped", data, terminal=terminal)
        if self.show is not None:
            self.show(greeting(self.config, customer, card_status if customer is None else ""))
        self.handled += 1
        return data
