"""The staff panel (server-rendered, no front-end build step).

``init_app(app)`` is called by ``edge.create_app``: it registers the ``web``
blueprint, keys the session cookie with the box's own secret, and installs
the panel-wide CSRF check and security headers. Later panel modules add
views to :data:`web.blueprint.bp` and guard them with :func:`web.auth.login_required`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSessionInterface

from web.blueprint import bp


class PanelSessions(SecureCookieSessionInterface):
    """Signed session cookies for the panel only. API requests carry bearer
    tokens, never the cookie: they get an empty read-only session instead of
    a cookie parse and an HMAC check (~5 % of a money request's CPU)."""

    def open_session(self, app: Flask, request: Request) -> Any:
        if request.path.startswith("/api/"):
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    from edge.platform.box import Box

    # Page modules register their views on import.
    from web import (  # noqa: F401
        auth,
        credit,
        customer_documents,
        customer_exports,
        customer_gdpr,
        customer_imports,
        customers,
        delivery_addresses,
        devices,
        doctor,
        groups,
        i18n,
        invoice_new,
        invoices,
        panel,
        prefs,
        sepa,
        subscriptions,
        views,
    )

    box: Box = app.extensions["tilledge"]
    app.secret_key = auth.box_secret(box)
    app.session_interface = PanelSessions()
    app.config.update(
        SESSION_COOKIE_NAME="tilledge_session",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=box.config.security.session_hours),
    )
    i18n.init_app(app)
    app.register_blueprint(bp)
    app.before_request(customer_imports.prepare_upload)  # before the CSRF check parses the form
    app.before_request(auth.csrf_protect)
    app.after_request(auth.security_headers)
    app.context_processor(lambda: {"csrf_token": auth.csrf_token, "t": i18n.t, "lang": i18n.lang()})
    app.context_processor(lambda: {"current_user": auth.current_user()})
    app.context_processor(panel.template_globals)


__all__ = ["bp", "init_app"]
