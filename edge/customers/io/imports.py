"""Import jobs (BACKOFFICE §11) for the panel: the uploaded file kept in
``<data_dir>/imports/`` (0600), its dry run in a thread with progress, the
per-row report, then the real run of exactly what the dry run showed.

The real run re-reads the same stored file (its SHA-256 is checked first)
and passes the dry run's outcomes to :func:`import_file`, which writes a row
only if its outcome is still the same — a customer edited meanwhile, or a
duplicate created by an earlier row, is reported instead of written. Jobs
live in memory like the export jobs; files and jobs are cleaned up after
``customers.export_keep_hours`` by the same hourly clean-up.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import secrets
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import openpyxl
import xlsxwriter
from openpyxl.utils.exceptions import InvalidFileException

from edge.customers.io import import_rows
from edge.customers.io.columns import field_of, header_fields
from edge.customers.io.exports import cleanup, jobs_service
from edge.customers.io.import_rows import OUTCOMES, REPORT_HEADER, RowResult, report_line
from edge.customers.io.reader import SAMPLE, estimate_rows, is_xlsx, read_header, sniff_encoding
from edge.errors import Conflict, FieldErrors, NotFound
from edge.platform.box import Box
from edge.platform.clock import now_iso

log = logging.getLogger(__name__)

SERVICE = "customer_imports"
Phase = Literal["checking", "checked", "importing", "imported", "failed"]
ENCODINGS = ("utf-8", "cp1252", "iso-8859-1", "utf-16")
DELIMITERS = {"semicolon": ";", "comma": ",", "tab": "\t", "pipe": "|"}
REPORT_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def imports_dir(box: Box) -> Path:
    path = box.config.data_path / "imports"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def max_bytes(box: Box) -> int:
    return box.config.customers.import_max_mb * 1024 * 1024


def clean_name(filename: str) -> str:
    """The uploaded file's own name (no path, no control characters), for history."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[:100] or "upload"


@dataclass(frozen=True)
class ImportOptions:
    delimiter: str | None = None  # None: sniffed
    encoding: str | None = None  # None: BOM, UTF-8, else cp1252
    mapping: dict[str, str] | None = None  # a mapping file's [columns]


def _refuse(reason: str, message: str, field_name: str = "file", **params: Any) -> FieldErrors:
    """A refused file; ``reason`` and ``params`` let the panel say it in its language."""
    return FieldErrors([{"field": field_name, "message": message}], reason=reason, **params)


def check_file(path: Path, options: ImportOptions) -> None:
    """Refuse what cannot be an import file, before any row is run.

    Empty, not CSV or XLSX, not in the given (or sniffed) encoding, or no
    column the import knows: each a ``FieldErrors`` on ``file``/``encoding``.
    """
    size = path.stat().st_size
    if size == 0:
        raise _refuse("empty", "the file is empty")
    if is_xlsx(path):
        try:
            openpyxl.load_workbook(path, read_only=True).close()
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as e:
            raise _refuse("not_xlsx", "not an XLSX workbook (a ZIP file of another kind)") from e
    else:
        with path.open("rb") as f:
            head = f.read(SAMPLE)
        encoding = options.encoding or sniff_encoding(head)
        try:
            codecs.lookup(encoding)
        except LookupError as e:
            raise _refuse("unknown_encoding", f"unknown encoding {encoding}", "encoding",
                          encoding=encoding) from e  # fmt: skip
        if b"\x00" in head and not encoding.startswith("utf-16"):
            raise _refuse("binary", "not a CSV or XLSX file (binary content)")
        try:
            head.decode(encoding)
        except UnicodeDecodeError as e:
            if e.start < len(head) - 3:  # not just a character cut at the sample's end
                msg = f"not {encoding} text (byte {e.start + 1}); choose the file's encoding"
                raise _refuse("wrong_encoding", msg, "encoding", encoding=encoding,
                              byte=e.start + 1) from e  # fmt: skip
    try:
        header = read_header(path, delimiter=options.delimiter, encoding=options.encoding)
    except (UnicodeDecodeError, ValueError) as e:
        raise _refuse("unreadable", f"the header row cannot be read: {e}") from e
    known = header_fields(options.mapping)
    fields = import_rows.WRITABLE | {"street"}
    if not any(field_of(h, known, fields) for h in header):
        shown = ", ".join(h for h in header[:5] if h) or "none"
        msg = f"no column the import knows (the file's headers: {shown})"
        raise _refuse("no_columns", msg, headers=shown)


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def count(results: Iterable[RowResult]) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOMES, 0)
    for r in results:
        counts[r.outcome] += 1
    return counts


@dataclass
class ImportJob:
    id: str
    filename: str
    path: Path
    digest: str
    options: ImportOptions
    created_at: str
    created_by: str
    phase: Phase = "checking"
    rows: int = 0  # progress of the running pass
    total: int | None = None
    dry: list[RowResult] = field(default_factory=list)
    real: list[RowResult] | None = None
    error: str | None = None
    imported_by: str | None = None

    def snapshot(self) -> ImportJob:
        """A copy that no longer changes: the pass runs in another thread, and a
        page reading the phase after the results could show "checked" with
        the empty list read a moment before. Fields are read in declaration
        order and the runner sets the results before the phase, so a copy
        that says checked or imported has its results."""
        return replace(self)

    @property
    def results(self) -> list[RowResult]:
        """The report shown: the real run's once it ran, else the dry run's."""
        return self.real if self.real is not None else self.dry

    def changed(self) -> list[RowResult]:
        """Rows the real run did not write because their outcome differed."""
        return [r for r in self.real or () if r.dry_run is not None]

    def out(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "filename": self.filename,
            "phase": self.phase,
            "rows": self.rows,
            "total": self.total,
            "dry_run": count(self.dry) if self.phase != "checking" else None,
            "real_run": count(self.real) if self.real is not None else None,
            "changed": len(self.changed()),
            "error": self.error,
            "created_at": self.created_at,
            "created_by": self.created_by,
        }


def report_rows(results: Iterable[RowResult]) -> Iterator[list[str]]:
    """The downloadable report: a header, then one line per row."""
    yield [*REPORT_HEADER, "dry_run"]
    for r in results:
        yield [*report_line(r), r.dry_run or ""]


def write_report_xlsx(path: Path, results: Iterable[RowResult]) -> None:
    """The report as XLSX: every cell text (an error message never a formula)."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(path.parent)})
    ws = wb.add_worksheet()
    for n, line in enumerate(report_rows(results)):
        for c, text in enumerate(line):
            if text:
                ws.write_string(n, c, text)
    wb.close()


@dataclass
class ImportJobs:
    """The box's import jobs (one service per box)."""

    box: Box
    jobs: dict[str, ImportJob] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cleanup(self) -> None:
        cleanup(imports_dir(self.box), self.box.config.customers.export_keep_hours * 3600.0)
        with self.lock:
            for jid, job in list(self.jobs.items()):
                if not job.path.exists() and job.phase not in ("checking", "importing"):
                    del self.jobs[jid]

    def upload(
        self, stored: Path, filename: str, options: ImportOptions, *, actor: str
    ) -> ImportJob:
        """Take an uploaded file (already in :func:`imports_dir`), check it and
        start its dry run; ``FieldErrors`` (the file removed) if it is no import file."""
        self.cleanup()
        job_id = secrets.token_hex(8)
        suffix = "xlsx" if is_xlsx(stored) else "csv"  # openpyxl goes by the name's suffix
        path = stored.rename(imports_dir(self.box) / f"{job_id}.upload.{suffix}")
        try:
            check_file(path, options)
        except FieldErrors:
            path.unlink(missing_ok=True)
            raise
        job = ImportJob(job_id, clean_name(filename), path, _digest(path), options,
                        now_iso("seconds"), actor)  # fmt: skip
        with self.lock:
            self.jobs[job.id] = job
        self._thread(job, dry_run=True)
        return job

    def get(self, job_id: str) -> ImportJob:
        with self.lock:
            job = self.jobs.get(job_id)
        if job is None:
            raise NotFound(f"no import {job_id} (imports are kept a limited time)")
        return job

    def confirm(self, job_id: str, *, actor: str) -> ImportJob:
        """Start the real run of a checked dry run (once)."""
        job = self.get(job_id)
        with self.lock:
            if job.phase != "checked":
                raise Conflict(f"import {job_id} is {job.phase}, not waiting to be imported",
                               reason="not_waiting")  # fmt: skip
            if not job.path.exists() or _digest(job.path) != job.digest:
                job.phase, job.error = "failed", "the file changed since the dry run"
                raise Conflict("the file changed since the dry run; upload it again",
                               reason="changed_file")  # fmt: skip
            job.phase, job.rows, job.imported_by = "importing", 0, actor
        self._thread(job, dry_run=False)
        return job

    def _thread(self, job: ImportJob, *, dry_run: bool) -> None:
        threading.Thread(target=lambda: self.run(job, dry_run=dry_run),
                         name=f"import-{job.id}", daemon=True).start()  # fmt: skip

    def run(self, job: ImportJob, *, dry_run: bool) -> None:
        """One pass over the file, in this thread (the dry run, or the real one)."""
        expected: Callable[[int], Any] | None = None
        if not dry_run:
            outcomes = {r.row: r.outcome for r in job.dry}
            expected = outcomes.get
        o = job.options
        results: list[RowResult] = []
        try:
            job.total = job.total or estimate_rows(job.path)

            def tick(n: int) -> None:
                job.rows = n

            rows = import_rows.import_file(
                self.box, job.path, dry_run=dry_run, mapping=o.mapping, delimiter=o.delimiter,
                encoding=o.encoding, progress=tick, name=job.filename, expected=expected,
            )  # fmt: skip
            results.extend(rows)
        except UnicodeDecodeError as e:
            job.phase = "failed"
            job.error = f"not {e.encoding} text (byte {e.start + 1}); choose the file's encoding"
        except Exception as e:
            log.exception("customer import %s failed", job.id)
            job.phase, job.error = "failed", str(e) or type(e).__name__
        else:
            if dry_run:
                job.dry, job.phase = results, "checked"
            else:
                job.real, job.phase = results, "imported"
        if job.phase == "failed" and not dry_run:
            job.real = results  # what was written before the failure, each row whole


def import_jobs(box: Box) -> ImportJobs:
    """The box's import jobs; the first call starts the hourly clean-up."""
    return jobs_service(box, SERVICE, ImportJobs)
