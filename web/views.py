"""Login, logout and the post-login landing page."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from edge.api.context import current_box
from edge.security import pairing, users
from l10n import N_
from web.auth import _safe_next, current_user, end_session, login_required, public, start_session
from web.blueprint import bp
from web.i18n import t

# 429 answers of a login, not even checked (edge.security.users.authenticate).
REFUSED = {
    "locked": N_("login_locked"),
    "throttled": N_("login_locked"),
    "slowed": N_("login_slowed"),
    "busy": N_("login_busy"),
}


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    nxt = _safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(nxt or url_for("web.home"))
        return render_template("login.html", next=nxt, error=None)
    box = current_box()
    result = users.authenticate(
        box.db,
        request.form.get("name", "")[:64],
        request.form.get("password", "")[:1024],
        request.form.get("totp", "")[:16],
        client=request.remote_addr or "unknown",
        cfg=box.config.security,
    )
    if result.outcome == "ok" and result.user is not None:
        start_session(result.user)
        return redirect(nxt or url_for("web.home"))
    if result.outcome in REFUSED:
        page = render_template("login.html", next=nxt, error=t(REFUSED[result.outcome]))
        return page, 429, {"Retry-After": str(result.retry_after)}
    return render_template("login.html", next=nxt, error=t("login_failed")), 401


@bp.route("/logout", methods=["POST"])
@public  # CSRF-checked; logging out an anonymous visitor is harmless
def logout() -> Response:
    end_session()
    return redirect(url_for("web.login"))


@bp.route("/")
@login_required("cashier")
def home() -> str:
    return render_template("home.html")


@bp.route("/terminals/pair", methods=["GET", "POST"])
@login_required("manager")
def pair_terminal() -> str:
    """Show a fresh pairing code to type on a till (POST /api/v1/pair)."""
    issued = None
    if request.method == "POST":
        scopes = ["pos", "manager"] if request.form.get("scope") == "pos,manager" else ["pos"]
        name = request.form.get("name", "").strip()[:64] or None
        box = current_box()
        issued = box.db.write(
            lambda c: pairing.issue(
                c, scopes=scopes, minutes=box.config.security.pairing_code_minutes, name=name
            )
        )
    return render_template("pair.html", issued=issued)
