"""The customer list's "Import" page (BACKOFFICE §11): upload a CSV or XLSX,
watch its dry run, read the per-row report (filter, download), then "Import
now". Managers only; de and en.

The upload is streamed by werkzeug straight into a private temp file in
``<data_dir>/imports/`` (:func:`prepare_upload` swaps the form parser's
file stream before the CSRF check reads the form) with the request capped
at ``customers.import_max_mb``: a body announced larger is refused before a
byte is read, a longer one as soon as it passes the cap, and what was
written is removed at the request's end.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from flask import Response, abort, g, redirect, render_template, request, send_file, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from edge.api.context import current_box
from edge.customers.io.exports import private_file
from edge.customers.io.import_rows import OUTCOMES, parse_mapping
from edge.customers.io.imports import (
    DELIMITERS,
    ENCODINGS,
    REPORT_MEDIA,
    ImportJob,
    ImportOptions,
    import_jobs,
    imports_dir,
    max_bytes,
    report_rows,
    write_report_xlsx,
)
from edge.errors import Conflict, FieldErrors, NotFound
from web.auth import current_actor, login_required
from web.blueprint import bp
from web.i18n import has, t

UPLOAD_ENDPOINT = "web.customer_import_upload"
FORM_SLACK = 64 * 1024  # the multipart framing and the small form fields
SHOWN = 500  # report rows on the page; the download has them all


def prepare_upload() -> None:
    """``before_request`` (before the CSRF check reads the form): the upload's
    cap and its file stream into the data directory."""
    if request.endpoint != UPLOAD_ENDPOINT or request.method != "POST":
        return
    box = current_box()
    request.max_content_length = max_bytes(box) + FORM_SLACK
    directory = imports_dir(box)
    made: list[Path] = []
    g.import_uploads = made

    def stream(*args: Any, **kwargs: Any) -> IO[bytes]:
        # 0600; werkzeug writes the part into it and closes it with the request.
        f = tempfile.NamedTemporaryFile(dir=directory, prefix="upload-", delete=False)  # noqa: SIM115
        made.append(Path(f.name))
        return f

    request._get_file_stream = stream  # type: ignore[method-assign]


@bp.teardown_app_request
def _drop_unclaimed_uploads(exc: BaseException | None) -> None:
    for path in g.pop("import_uploads", ()):
        path.unlink(missing_ok=True)  # claimed uploads were renamed away


def _form(errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    mb = current_box().config.customers.import_max_mb
    return render_template("customers/import.html", errors=errors, mb=mb,
                           delimiters=DELIMITERS, encodings=ENCODINGS), status  # fmt: skip


def _refusal(e: FieldErrors | Conflict) -> str:
    reason = e.numbers.get("reason")
    if reason is None:
        return e.detail
    params = {k: v for k, v in e.numbers.items() if k != "reason"}
    return t(f"imp_err_{reason}", **params)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(err: RequestEntityTooLarge) -> Any:
    if request.endpoint != UPLOAD_ENDPOINT:
        return err
    mb = current_box().config.customers.import_max_mb
    return _form({"file": t("imp_err_too_large", mb=mb)}, 413)


@bp.route("/customers/import", methods=["GET"])
@login_required("manager")
def customer_import() -> tuple[str, int]:
    return _form({})


def _options() -> ImportOptions:
    """The form's choices, or FieldErrors naming the one that is not valid."""
    form = request.form
    delimiter = form.get("delimiter", "")
    encoding = form.get("encoding", "")
    if delimiter and delimiter not in DELIMITERS:
        raise FieldErrors([{"field": "delimiter", "message": "?"}], reason="option")
    if encoding and encoding not in ENCODINGS:
        raise FieldErrors([{"field": "encoding", "message": "?"}], reason="option")
    mapping = None
    upload = request.files.get("mapping")
    if upload is not None and upload.filename:
        try:
            mapping = parse_mapping(upload.stream.read(65536).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise FieldErrors([{"field": "mapping", "message": str(e)}], reason="mapping",
                              error=str(e)) from e  # fmt: skip
    return ImportOptions(DELIMITERS.get(delimiter), encoding or None, mapping)


@bp.route("/customers/import", methods=["POST"], endpoint="customer_import_upload")
@login_required("manager")
def customer_import_upload() -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _form({"file": t("imp_err_no_file")}, 422)
    try:
        options = _options()
        stored = Path(upload.stream.name)  # type: ignore[union-attr]
        upload.stream.close()
        if stored.stat().st_size > max_bytes(current_box()):
            mb = current_box().config.customers.import_max_mb
            return _form({"file": t("imp_err_too_large", mb=mb)}, 413)
        job = import_jobs(current_box()).upload(stored, upload.filename, options,
                                                 actor=current_actor())  # fmt: skip
    except FieldErrors as e:
        return _form({x["field"]: _refusal(e) for x in e.errors[:1]}, 422)
    return redirect(url_for("web.customer_import_page", import_id=job.id))


def _job(import_id: str) -> ImportJob:
    try:
        return import_jobs(current_box()).get(import_id)
    except NotFound:
        abort(404)


@bp.route("/customers/imports/<import_id>")
@login_required("manager")
def customer_import_page(import_id: str, problem: str | None = None) -> tuple[str, int]:
    job = _job(import_id).snapshot()
    outcome = request.args.get("outcome", "")
    rows = job.results
    if outcome in OUTCOMES:
        rows = [r for r in rows if r.outcome == outcome]
    else:
        outcome = ""
    return render_template(
        "customers/import_report.html", job=job, rows=rows[:SHOWN], matching=len(rows),
        outcome=outcome, outcomes=OUTCOMES, problem=problem, row_error=_row_error,
    ), 409 if problem else 200  # fmt: skip


@bp.route("/customers/imports/<import_id>/confirm", methods=["POST"])
@login_required("manager")
def customer_import_confirm(import_id: str) -> Any:
    _job(import_id)
    try:
        import_jobs(current_box()).confirm(import_id, actor=current_actor())
    except Conflict as e:
        return customer_import_page(import_id, problem=_refusal(e))
    return redirect(url_for("web.customer_import_page", import_id=import_id))


def _row_error(error: dict[str, str]) -> tuple[str, str]:
    """A report row's field error as the panel shows it: the field's form
    label and the message in the user's language (the download keeps the
    raw field names and messages a mapping file and scripts work with)."""
    field = error["field"]
    label = t(f"label_{field}") if has(f"label_{field}") else field
    message = error["message"]
    return label, t(message) if has(message) else message


def _csv_lines(job: ImportJob) -> Iterator[str]:
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    yield "\ufeff"  # Excel reads UTF-8 only with the BOM
    for line in report_rows(job.results):
        out.writerow(line)
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()


@bp.route("/customers/imports/<import_id>/report.<fmt>")
@login_required("manager")
def customer_import_report(import_id: str, fmt: str) -> Response:
    job = _job(import_id)
    if fmt not in REPORT_MEDIA or job.phase in ("checking", "importing"):
        abort(404)
    name = f"{Path(job.filename).stem}-{'import' if job.real is not None else 'dry-run'}.{fmt}"
    if fmt == "csv":
        headers = {"Content-Disposition": f'attachment; filename="{_ascii(name)}"'}
        return Response(_csv_lines(job), mimetype=REPORT_MEDIA["csv"], headers=headers)
    path = imports_dir(current_box()) / f"{job.id}.report.xlsx"
    path.unlink(missing_ok=True)
    write_report_xlsx(private_file(path), job.results)
    return send_file(path, mimetype=REPORT_MEDIA["xlsx"], as_attachment=True,
                     download_name=name, max_age=0)  # fmt: skip


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and c not in '"\\' else "_" for c in name)
