"""The customer list's "Export" button: an export job with the list's
filters, a page showing its progress, the file downloadable while kept."""

from __future__ import annotations

import secrets

from flask import abort, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from edge.api.context import current_box
from edge.customers.io.exports import MEDIA, ExportJob, export_jobs
from edge.customers.io.source import ExportFilters
from edge.errors import NotFound
from edge.platform.bounds import parse_row_id
from web.auth import current_actor, login_required
from web.blueprint import bp
from web.customers import STATUSES, TYPES


def _job(export_id: str) -> ExportJob:
    try:
        return export_jobs(current_box()).get(export_id)
    except NotFound:
        abort(404)


@bp.route("/customers/export", methods=["POST"])
@login_required("manager")
def customer_export() -> Response:
    form = request.form
    group = form.get("group", "")
    filters = ExportFilters(
        status=form.get("status") if form.get("status") in STATUSES else None,
        type=form.get("type") if form.get("type") in TYPES else None,
        group_id=parse_row_id(group) if group else None,
        search=form.get("q", "")[:100],
    )
    job_id = secrets.token_hex(8)
    job = export_jobs(current_box()).start(filters, actor=current_actor(), job_id=job_id)
    return redirect(url_for("web.customer_export_page", export_id=job.id))


@bp.route("/customers/exports/<export_id>")
@login_required("manager")
def customer_export_page(export_id: str) -> str:
    return render_template("customers/export.html", job=_job(export_id))


@bp.route("/customers/exports/<export_id>/file")
@login_required("manager")
def customer_export_file(export_id: str) -> Response:
    job = _job(export_id)
    if job.state != "done" or job.path is None or job.format is None:
        abort(404)
    return send_file(job.path, mimetype=MEDIA[job.format], as_attachment=True,
                     download_name=job.filename, max_age=0)  # fmt: skip
