"""Service refusals (domain errors) as sentences a cashier understands."""

from __future__ import annotations

from edge.errors import DomainError
from web.i18n import lang

MESSAGES = {
    "de": {
        "customer_blocked": "Der Kunde ist gesperrt: {lock_text}",
        "customer_inactive": "Der Kunde ist deaktiviert.",
        "insufficient_funds": "Das Guthaben reicht nicht.",
        "insufficient_points": "Die Punkte reichen nicht.",
        "points_blocked": "Das Punkteprogramm ist für diesen Kunden gesperrt.",
        "limit_exceeded": "Der Betrag überschreitet ein Limit: {detail}",
        "limit_max_topup": "Höchstens {maximum} auf einmal aufladen.",
        "limit_max_balance": "Das Guthaben darf höchstens {maximum} betragen.",
        "not_found": "Nicht gefunden.",
    },
    "en": {
        "customer_blocked": "The customer is blocked: {lock_text}",
        "customer_inactive": "The customer is deactivated.",
        "insufficient_funds": "Not enough credit.",
        "insufficient_points": "Not enough points.",
        "points_blocked": "The points program is blocked for this customer.",
        "limit_exceeded": "The amount is over a limit: {detail}",
        "limit_max_topup": "Top up at most {maximum} at a time.",
        "limit_max_balance": "The credit may be at most {maximum}.",
        "not_found": "Not found.",
    },
}


def text(err: DomainError) -> str:
    from web.panel import money  # the box's currency, the user's locale

    limit = err.numbers.get("limit")
    if err.code == "limit_exceeded" and f"limit_{limit}" in MESSAGES["en"]:
        maximum = money(int(err.numbers.get("maximum", 0)))
        return MESSAGES[lang()][f"limit_{limit}"].format(maximum=maximum)
    template = MESSAGES[lang()].get(err.code)
    if template is None:
        return str(err)
    return template.format(detail=err.detail, lock_text=err.numbers.get("lock_text", ""))
