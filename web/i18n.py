"""Panel strings, German and English, in one place.

A dict rather than Babel: the panel has few strings and no build step; the
language follows the browser's Accept-Language (German first: the shops are).
"""

from __future__ import annotations

from flask import g, request

LANGUAGES = ("de", "en")

STRINGS: dict[str, dict[str, str]] = {
    "de": {
        "title": "TillEdge",
        "login": "Anmelden",
        "logout": "Abmelden",
        "name": "Name",
        "password": "Passwort",
        "totp": "Einmalcode (falls eingerichtet)",
        "login_failed": "Name, Passwort oder Code falsch.",
        "login_locked": "Zu viele Fehlversuche. Bitte später erneut versuchen.",
        "csrf_failed": "Das Formular ist abgelaufen. Bitte die Seite neu laden.",
        "forbidden": "Für diese Seite fehlt die Berechtigung.",
        "welcome": "Willkommen, {name}",
        "role": "Rolle",
        "role_cashier": "Kasse",
        "role_manager": "Leitung",
        "role_admin": "Administration",
        "landing": "Die Verwaltung folgt hier.",
        "pair_title": "Kasse koppeln",
        "pair_name": "Name der Kasse (optional)",
        "pair_scope": "Berechtigung",
        "pair_issue": "Kopplungscode erzeugen",
        "pair_valid_until": "Einmal gültig bis {until} (UTC).",
        "pair_link": "Kasse koppeln",
    },
    "en": {
        "title": "TillEdge",
        "login": "Log in",
        "logout": "Log out",
        "name": "Name",
        "password": "Password",
        "totp": "One-time code (if set up)",
        "login_failed": "Name, password or code is wrong.",
        "login_locked": "Too many failed attempts. Please try again later.",
        "csrf_failed": "The form has expired. Please reload the page.",
        "forbidden": "You are not allowed to see this page.",
        "welcome": "Welcome, {name}",
        "role": "Role",
        "role_cashier": "Cashier",
        "role_manager": "Manager",
        "role_admin": "Administrator",
        "landing": "The panel will appear here.",
        "pair_title": "Pair a terminal",
        "pair_name": "Terminal name (optional)",
        "pair_scope": "Permission",
        "pair_issue": "Create pairing code",
        "pair_valid_until": "Valid once until {until} (UTC).",
        "pair_link": "Pair a terminal",
    },
}


def lang() -> str:
    if "lang" not in g:
        g.lang = request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]
    return str(g.lang)


def t(key: str, **kwargs: object) -> str:
    text = STRINGS[lang()].get(key) or STRINGS["en"].get(key) or key
    return text.format(**kwargs) if kwargs else text
