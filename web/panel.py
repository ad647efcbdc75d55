"""What every panel page shares: the mode (Normal/Expert), formatting helpers
for templates, error pages, and the nonce each money form carries."""

from __future__ import annotations

import secrets
from typing import Any

from flask import render_template, request
from werkzeug.exceptions import HTTPException

from edge.api.context import current_box
from l10n.formats import exponent
from web import fmt
from web.blueprint import bp
from web.i18n import lang, t

MODES = ("normal", "expert")
MODE_COOKIE = "tilledge_mode"  # per device: the till tablet stays in Normal


def mode() -> str:
    value = request.cookies.get(MODE_COOKIE)
    return value if value in MODES else "normal"


def expert() -> bool:
    return mode() == "expert"


def currency() -> str:
    return current_box().config.box.currency


def money(minor: int | None) -> str:
    return "–" if minor is None else fmt.money(int(minor), currency(), lang())


def amount_example() -> str:
    """Twenty units as a form takes them: 20,00 (EUR, de), 20 (JPY), 20.000 (KWD, en)."""
    return fmt.minor_to_input(20 * 10 ** exponent(currency()), lang(), currency())


def template_globals() -> dict[str, Any]:
    return {
        "mode": mode(),
        "expert": expert(),
        "money": money,
        "amount_example": amount_example,
        "num": lambda n: fmt.number(int(n), lang()),
        "when": lambda v: fmt.when(v, lang()),
        "day": lambda v: fmt.day(v, lang()),
        "form_nonce": form_nonce,
    }


# -- one submission per form ----------------------------------------------------------
# A double click, a reload or a re-post after a restart must not top up twice:
# each money form carries a random nonce, booked as a durable idempotency key
# (web/credit.py). It is useless without the session's CSRF token.


def form_nonce() -> str:
    return secrets.token_urlsafe(16)


# -- error pages (panel views only; the API answers problem+json) -------------------


@bp.errorhandler(403)
@bp.errorhandler(404)
def _error_page(err: HTTPException) -> tuple[str, int]:
    message = t("forbidden") if err.code == 403 else t("not_found")
    return render_template("error.html", message=message, code=err.code), err.code or 500
