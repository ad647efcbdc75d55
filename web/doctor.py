"""The box check on the Devices & box page: the latest background run of
:mod:`edge.doctor` (``box.services["doctor"]``, attached by ``tilledge
serve``), and a manager's "check now", which only starts a run and returns:
no check runs in a request."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from edge.api.context import current_box
from edge.platform.box import Box
from l10n import N_
from web.auth import login_required
from web.blueprint import bp
from web.i18n import t

#: t("doctor_" ~ status) in the template.
STATUS_LABELS = (N_("doctor_ok"), N_("doctor_warn"), N_("doctor_fail"))


def doctor_state(box: Box) -> dict[str, Any]:
    """What the page shows: whether a doctor runs here, its last report."""
    doctor = box.services.get("doctor")
    if doctor is None:
        return {"available": False}
    latest = doctor.latest
    return {
        "available": True,
        "running": doctor.running,
        "at": latest.at if latest else None,
        "status": latest.report.status if latest else None,
        "findings": list(latest.report.findings) if latest else [],
    }


@bp.route("/devices/doctor", methods=["POST"])
@login_required("manager")
def doctor_run_now() -> Response:
    doctor = current_box().services.get("doctor")
    if doctor is None:
        flash(t("doctor_absent"), "error")
    else:
        doctor.run_now()
        flash(t("doctor_started"), "ok")
    return redirect(url_for("web.devices") + "#box-check")
