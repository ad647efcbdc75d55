"""The customer page's Documents tab: upload (drag & drop onto the form, or
the plain file field), preview, download, delete with a confirmation.

The upload body is read here, not by the panel's CSRF hook: the same
:func:`edge.api.uploads.read_file_part` as the API, so the 5 MiB limit holds
before anything is kept, then the token it parsed is checked
(:func:`web.auth.check_csrf`) before the document is stored.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from edge.api.context import current_box
from edge.api.documents import attachment
from edge.api.problems import ApiError
from edge.api.uploads import read_file_part
from edge.customers.documents import blobs, previews, records
from edge.customers.documents.kinds import MAX_BYTES
from edge.errors import DomainError, FieldErrors
from edge.platform.clock import now_iso
from web.auth import BODY_READ_BY_VIEW, check_csrf, current_actor, login_required
from web.blueprint import bp
from web.customers import load
from web.i18n import t

IMAGES = ("image/png", "image/jpeg")


def _tab(cid: int) -> Response:
    return redirect(url_for("web.customer_detail", customer_id=cid, tab="documents"))


def _refusal(err: DomainError | ApiError) -> str:
    """The panel's words for why an upload was refused."""
    if isinstance(err, ApiError):
        return t("doc_err_too_large") if err.status == 413 else t("doc_err_missing")
    reason = err.numbers.get("reason")
    if reason:
        return t(f"doc_err_{reason}")
    field = err.errors[0]["field"] if err.errors else ""
    return t("doc_err_title") if field == "title" else t("doc_err_missing")


@bp.route("/customers/<customer_id>/documents", methods=["POST"])
@login_required("cashier")
def document_upload(customer_id: str) -> Response:
    cid = int(load(customer_id)["id"])
    try:
        part = read_file_part(MAX_BYTES)
    except ApiError as e:
        flash(_refusal(e), "error")
        return _tab(cid)
    check_csrf(part.fields.get("csrf_token", ""))
    box, actor = current_box(), current_actor()
    root, _ = records.roots(box.config.data_path)
    title = part.fields.get("title", "")
    try:
        box.db.write(
            lambda c: records.add(
                c,
                root,
                cid,
                part.data,
                filename=part.filename,
                title=title,
                actor=actor,
                now=now_iso(),
            )
        )
    except FieldErrors as e:
        flash(_refusal(e), "error")
        return _tab(cid)
    flash(t("doc_uploaded"), "ok")
    return _tab(cid)


BODY_READ_BY_VIEW.add("web.document_upload")


def _document(customer_id: str, document_id: str) -> dict[str, object]:
    cid = int(load(customer_id)["id"])
    try:
        return records.get(current_box().db.reader(), cid, int(document_id))
    except (DomainError, ValueError):
        abort(404)


@bp.route("/customers/<customer_id>/documents/<document_id>")
@login_required("cashier")
def document_download(customer_id: str, document_id: str) -> Response:
    doc = _document(customer_id, document_id)
    root, _ = records.roots(current_box().config.data_path)
    return attachment(blobs.path_of(root, str(doc["sha256"])), doc, inline=False)


@bp.route("/customers/<customer_id>/documents/<document_id>/preview")
@login_required("cashier")
def document_preview(customer_id: str, document_id: str) -> Response:
    """An image as itself, a PDF's first page as a cached PNG; 404 for the rest."""
    doc = _document(customer_id, document_id)
    root, cache = records.roots(current_box().config.data_path)
    sha = str(doc["sha256"])
    if doc["media_type"] in IMAGES:
        return attachment(blobs.path_of(root, sha), doc, inline=True)
    if doc["media_type"] == "application/pdf":
        png = previews.pdf_preview(root, cache, sha)
        if png is not None:
            return attachment(png, {**doc, "media_type": "image/png"}, inline=True)
    abort(404)


@bp.route("/customers/<customer_id>/documents/<document_id>/delete", methods=["POST"])
@login_required("manager")
def document_delete(customer_id: str, document_id: str) -> Response:
    doc = _document(customer_id, document_id)
    cid = int(str(doc["customer_id"]))
    if request.form.get("confirm") != "1":
        flash(t("doc_confirm_missing"), "error")
        return _tab(cid)
    box, actor = current_box(), current_actor()
    root, _ = records.roots(box.config.data_path)
    records.remove(box.db, root, cid, int(str(doc["id"])), actor=actor, now=now_iso())
    flash(t("doc_deleted"), "ok")
    return _tab(cid)
