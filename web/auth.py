"""Panel authentication: server-side sessions, role checks, CSRF, headers.

The session cookie (Flask's, HMAC-signed with a per-box secret kept in the
database — never in code) holds only a random session id and the CSRF token.
The session itself lives in ``web_sessions`` keyed by the id's SHA-256, so
logging out, disabling a user or expiry take effect at once on the server.

CSRF: the synchronizer-token pattern (OWASP's first choice). Every form
carries ``csrf_token()``; every state-changing request to a non-API path must
echo it (form field ``csrf_token`` or header ``X-CSRF-Token``), compared in
constant time. It needs no extra dependency (Flask-WTF would pull in WTForms
for one check), and SameSite=Strict cookies are a second layer, not the only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, abort, g, redirect, request, session, url_for

from edge.api.context import current_box
from edge.platform.box import Box
from edge.security.users import RANK, User, load_user

F = TypeVar("F", bound=Callable[..., Any])

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# No inline script or style, no framing, forms post only to the box itself.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def box_secret(box: Box) -> str:
    """The per-box cookie key, created by migration (or here, if missing)."""
    row = box.db.reader().execute("SELECT value FROM box_meta WHERE key = 'web_secret'").fetchone()
    if row:
        return str(row["value"])

    def create(conn: sqlite3.Connection) -> str:
        conn.execute(
            "INSERT OR IGNORE INTO box_meta (key, value) VALUES ('web_secret', ?)",
            [secrets.token_hex(32)],
        )
        return str(
            conn.execute("SELECT value FROM box_meta WHERE key = 'web_secret'").fetchone()[0]
        )

    return box.db.write(create)


def _is_panel_request() -> bool:
    return not request.path.startswith("/api/")


# -- CSRF ------------------------------------------------------------------------


def csrf_token() -> str:
    """The session's CSRF token (created on first use); put it in every form."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return str(token)


#: Panel endpoints whose multipart body the view reads itself, under its own
#: byte limit (``request.form`` would spool any upload up to the app-wide
#: limit to a temp file first). Each calls :func:`check_csrf` with the token it
#: parsed before it stores anything.
BODY_READ_BY_VIEW: set[str] = set()


def csrf_protect() -> None:
    """``before_request``: refuse a state-changing panel request without the token."""
    if request.method not in UNSAFE_METHODS or not _is_panel_request():
        return
    if request.endpoint in BODY_READ_BY_VIEW:
        return
    check_csrf(request.form.get("csrf_token") or "")


def check_csrf(sent: str) -> None:
    """Refuse (400) unless ``sent`` or the ``X-CSRF-Token`` header is the session's token."""
    expected = session.get("csrf")
    sent = sent or request.headers.get("X-CSRF-Token") or ""
    if not expected or not hmac.compare_digest(str(expected), sent):
        from web.i18n import t

        abort(400, description=t("csrf_failed"))


def security_headers(resp: Response) -> Response:
    """``after_request``: security headers on every panel response."""
    if _is_panel_request():
        for name, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(name, value)
        if request.endpoint != "web.static":
            # Pages carry personal data: never from a shared or back-button cache.
            resp.headers["Cache-Control"] = "no-store"
    return resp


# -- sessions --------------------------------------------------------------------


def _sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def start_session(user: User) -> None:
    """Log ``user`` in: a fresh session id and CSRF token (no fixation)."""
    box = current_box()
    sid = secrets.token_urlsafe(32)
    now = time.time()
    expires = now + box.config.security.session_hours * 3600

    def store(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM web_sessions WHERE expires_at <= ?", [now])  # keep it small
        conn.execute(
            "INSERT INTO web_sessions (id_hash, user_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            [_sid_hash(sid), user.id, now, expires],
        )

    box.db.write(store)
    session.clear()
    session.permanent = True
    session["sid"] = sid
    session["csrf"] = secrets.token_urlsafe(32)
    g.user = user


def end_session() -> None:
    sid = session.get("sid")
    if sid:
        current_box().db.write(
            lambda c: c.execute("DELETE FROM web_sessions WHERE id_hash = ?", [_sid_hash(sid)])
        )
    session.clear()
    g.user = None


def current_user() -> User | None:
    """The logged-in staff member, or None (checked against the server each request)."""
    if "user" in g:
        return g.user  # type: ignore[no-any-return]
    user = None
    sid = session.get("sid")
    if sid:
        conn = current_box().db.reader()
        row = conn.execute(
            "SELECT user_id FROM web_sessions WHERE id_hash = ? AND expires_at > ?",
            [_sid_hash(str(sid)), time.time()],
        ).fetchone()
        if row:
            user = load_user(conn, row["user_id"])
    g.user = user
    return user


def current_actor() -> str:
    """``user:NAME`` for history and journal entries made from the panel."""
    user = current_user()
    return user.actor if user else "anonymous"


# -- decorators ------------------------------------------------------------------


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: ``next`` must not become an open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


def login_required(role: str = "cashier") -> Callable[[F], F]:
    """Guard a panel view: anonymous → login page; too low a role → 403.

    Roles are ranked cashier < manager < admin; a higher role passes.
    """
    if role not in RANK:
        raise ValueError(f"unknown role {role!r}")

    def decorate(fn: F) -> F:
        @wraps(fn)
        def view(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                nxt = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("web.login", next=_safe_next(nxt)))
            if not user.at_least(role):
                abort(403)
            return fn(*args, **kwargs)

        view.tilledge_role = role  # type: ignore[attr-defined]  # read by the URL-map test
        return view  # type: ignore[return-value]

    return decorate


def public(fn: F) -> F:
    """Mark a panel view as deliberately open (the login page)."""
    fn.tilledge_public = True  # type: ignore[attr-defined]
    return fn
