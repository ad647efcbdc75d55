"""Service refusals (ApiError) as sentences a cashier understands."""

from __future__ import annotations

from edge.api.problems import ApiError

from .i18n import lang

MESSAGES = {
    "de": {
        "customer_blocked": "Der Kunde ist gesperrt: {lock_text}",
        "customer_inactive": "Der Kunde ist deaktiviert.",
        "insufficient_funds": "Das Guthaben reicht nicht.",
        "insufficient_points": "Die Punkte reichen nicht.",
        "points_blocked": "Das Punkteprogramm ist für diesen Kunden gesperrt.",
        "limit_exceeded": "Der Betrag überschreitet ein Limit: {detail}",
        "not_found": "Nicht gefunden.",
    },
    "en": {
        "customer_blocked": "The customer is blocked: {lock_text}",
        "customer_inactive": "The customer is deactivated.",
        "insufficient_funds": "Not enough credit.",
        "insufficient_points": "Not enough points.",
        "points_blocked": "The points program is blocked for this customer.",
        "limit_exceeded": "The amount is over a limit: {detail}",
        "not_found": "Not found.",
    },
}


def text(err: ApiError) -> str:
    template = MESSAGES[lang()].get(err.code)
    if template is None:
        return err.detail or err.title
    return template.format(detail=err.detail, lock_text=err.extra.get("lock_text", ""))
