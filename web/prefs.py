"""Language and Normal/Expert switches, kept per device in cookies.

Cookies rather than the session: logging in starts a fresh session (no
fixation), and a till tablet should keep its language and view across staff.
"""

from __future__ import annotations

from flask import current_app, redirect, request, url_for
from werkzeug.wrappers import Response

from web.auth import _safe_next, public
from web.blueprint import bp
from web.i18n import LANG_COOKIE, LANGUAGES
from web.panel import MODE_COOKIE, MODES

YEAR = 365 * 24 * 3600


@bp.route("/prefs", methods=["POST"])
@public  # CSRF-checked; changes only this device's display preferences
def prefs() -> Response:
    resp = redirect(_safe_next(request.form.get("next")) or url_for("web.home"))
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    for name, value, allowed in (
        (LANG_COOKIE, request.form.get("lang"), LANGUAGES),
        (MODE_COOKIE, request.form.get("mode"), MODES),
    ):
        if value in allowed:
            resp.set_cookie(
                name, value, max_age=YEAR, secure=secure, httponly=True, samesite="Strict"
            )
    return resp
