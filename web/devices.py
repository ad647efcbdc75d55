"""Devices & box: live reader/printer/display state, test actions, receipt
previews, the customer display mirrored, and the box's identity.

The device service (``box.services["devices"]``) is another module's and may
be absent (CLI tools, tests, a box without hardware): every call here is
guarded, so the page always renders and says what is missing.
"""

from __future__ import annotations

import io
import socket
import sqlite3
import time
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from edge import mail
from edge.api.context import current_box
from edge.platform.box import Box
from edge.platform.version import VERSION
from edge.security import terminals, tls
from web import fmt
from web.auth import login_required
from web.blueprint import bp
from web.doctor import doctor_state
from web.i18n import lang, t

KINDS = ("reader", "printer", "display")
FAULT_REASONS = ("paper_out", "stalled", "disconnected")
RECEIPTS_SHOWN = 6


def _service(box: Box) -> Any:
    return box.services.get("devices")


def _state_label(raw: Any) -> tuple[str, bool, str]:
    """A device's state (str or dict) → (label, ok, detail)."""
    detail = ""
    if isinstance(raw, dict):
        detail = str(raw.get("detail") or raw.get("error") or "")
        reason = raw.get("reason")
        if reason in FAULT_REASONS:  # edge.devices.health.reason: why it is "error"
            return t("dev_error") + f" ({t('dev_reason_' + reason)})", False, detail
        raw = raw.get("raw_state") or raw.get("state") or raw.get("status")
    state = str(raw or "unknown").lower()
    ok = state in ("ok", "ready", "online", "connected", "idle", "running")
    if ok:
        return t("dev_ok"), True, detail
    if state in ("disabled", "off"):
        return t("dev_disabled"), False, detail
    if state in ("offline", "error", "paper_out", "disconnected", "absent"):
        return t("dev_offline") + (f" ({state})" if state != "offline" else ""), False, detail
    return state, False, detail


def _raw_states(svc: Any) -> dict[str, Any]:
    """Per kind ``{state, detail}`` from the service's ``states()``."""
    try:
        states = dict(svc.states() or {})
    except Exception:  # a broken service must not break the page
        return {}
    return {"reader": states.get("nfc", states.get("reader")), **states}


def device_states(box: Box) -> dict[str, dict[str, Any]]:
    cfg = box.config.devices
    enabled = {
        "reader": cfg.nfc.enabled,
        "printer": cfg.printer.enabled,
        "display": cfg.display.enabled,
    }
    svc = _service(box)
    raw = _raw_states(svc) if svc is not None else {}
    out = {}
    for kind in KINDS:
        if not enabled[kind]:
            label, ok, detail = t("dev_disabled"), False, ""
        elif svc is None:
            label, ok, detail = t("dev_absent"), False, ""
        else:
            label, ok, detail = _state_label(raw.get(kind))
        out[kind] = {"label": label, "ok": ok, "detail": detail}
    return out


def can_simulate_taps(box: Box) -> bool:
    """Whether a udp:/sim reader exists: only those take a simulated tap."""
    svc = _service(box)
    try:
        return svc is not None and bool(svc.can_simulate_taps())
    except Exception:  # a broken service must not break the page
        return False


def display_lines(box: Box) -> list[str]:
    """What the customer display shows now (its idle text without a service)."""
    svc = _service(box)
    if svc is not None:
        try:
            lines = svc.display_text()
            if lines:
                return [str(x) for x in lines]
        except Exception:  # the mirror falls back to the idle text
            pass
    return list(box.config.devices.display.idle_text)


def recent_jobs(box: Box) -> list[dict[str, Any]]:
    """The latest print jobs (any printer, real or simulated) with their state."""
    try:
        rows = (
            box.db.reader()
            .execute(
                "SELECT id, kind, state, last_error, created_at FROM print_jobs"
                " ORDER BY id DESC LIMIT ?",
                [RECEIPTS_SHOWN],
            )
            .fetchall()
        )
    except sqlite3.OperationalError:  # a database from before the print outbox
        return []
    return [dict(r) for r in rows]


def render_job(box: Box, job_id: int) -> bytes | None:
    """A paper-like PNG of a queued or printed document (the receipt preview)."""
    from drivers.printer import render_png
    from edge.devices.printing import document_from_json

    row = (
        box.db.reader().execute("SELECT document FROM print_jobs WHERE id = ?", [job_id]).fetchone()
    )
    if row is None:
        return None
    buf = io.BytesIO()
    render_png(document_from_json(row["document"])).save(buf, format="PNG")
    return buf.getvalue()


def addresses(box: Box) -> list[str]:
    """Where the box answers: this very page's address first, then the config's."""
    out = [request.host, box.config.server.listen]
    announcer = box.services.get("discovery")
    for addr in getattr(announcer, "addresses", []) or []:
        out.append(str(addr))
    out.append(socket.gethostname() + ".local")
    return list(dict.fromkeys(out))


def mail_state(box: Box) -> dict[str, object]:
    """The SMTP outbox in one line: configured or not, and what waits or failed."""
    return {"configured": mail.mail_configured(box.config), **mail.outbox_summary(box.db.reader())}


def _uptime(box: Box) -> str:
    return fmt.duration(time.time() - box.started_at, lang())


@bp.route("/devices")
@login_required("cashier")
def devices() -> str:
    box = current_box()
    info = tls.current(box.config)
    fingerprint = box.services.get("tls_fingerprint") or (info.fingerprint if info else None)
    return render_template(
        "devices.html",
        states=device_states(box),
        display=display_lines(box),
        jobs=recent_jobs(box),
        has_service=_service(box) is not None,
        can_tap=can_simulate_taps(box),
        box=box,
        addresses=addresses(box),
        fingerprint=tls.colons(fingerprint) if fingerprint else None,
        version=VERSION,
        uptime=_uptime(box),
        mail_state=mail_state(box),
        terminals=terminals.list_terminals(box.db.reader()),
        doctor=doctor_state(box),
    )


@bp.route("/devices/state")
@login_required("cashier")
def device_state() -> Response:
    """Polled by the page every two seconds (the live part)."""
    box = current_box()
    return jsonify(devices=device_states(box), display=display_lines(box), uptime=_uptime(box))


def _action(fn: Any, ok: str) -> Response:
    svc = _service(current_box())
    if svc is None:
        flash(t("action_failed", detail=t("dev_absent")), "error")
    else:
        try:
            fn(svc)
            flash(t(ok), "ok")
        except Exception as e:  # shown to the user; device errors vary
            flash(t("action_failed", detail=str(e) or type(e).__name__), "error")
    return redirect(url_for("web.devices"))


@bp.route("/devices/test-print", methods=["POST"])
@login_required("cashier")
def device_test_print() -> Response:
    return _action(lambda svc: svc.test_print(), ok="test_print_done")


@bp.route("/devices/display", methods=["POST"])
@login_required("cashier")
def device_display() -> Response:
    lines = request.form.get("text", "").replace("\r", "").split("\n")[:4]
    return _action(lambda svc: svc.show_text([x[:80] for x in lines]), ok="test_display_done")


@bp.route("/devices/tap", methods=["POST"])
@login_required("cashier")
def device_tap() -> Response:
    uid = request.form.get("uid", "").strip()[:40]
    box = current_box()
    if _service(box) is not None and not can_simulate_taps(box):
        # Only readers without a radio (udp:, sim) take a made-up card.
        flash(t("sim_tap_real_only"), "error")
        return redirect(url_for("web.devices"))
    # Over nfcpy's udp transport like a real card (demo readers), else injected.
    return _action(lambda svc: svc.simulate_tap(uid), ok="sim_tap_done")


@bp.route("/devices/jobs/<int:job_id>.png")
@login_required("cashier")
def device_job_png(job_id: int) -> Response:
    png = render_job(current_box(), job_id)
    if png is None:
        abort(404)
    return Response(png, mimetype="image/png")
