"""Exports kept for download: files in ``<data_dir>/exports/`` (0600), export
jobs run in a thread with their progress, and the clean-up.

A file lives ``customers.export_keep_hours``; the box removes older ones
every hour (``Box.every``) and at each new export. A job's state is held in
memory; its file is named by the job id, so after a restart a finished
export is still found (by its file) until it is cleaned up.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from edge.customers.io import source
from edge.customers.io.export import ZIP_FROM, Format, export_customers
from edge.customers.io.source import ExportFilters
from edge.errors import NotFound
from edge.platform.box import Box
from edge.platform.clock import now_iso

log = logging.getLogger(__name__)

SERVICE = "customer_exports"
SUFFIXES = ("xlsx", "zip")
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
COUNT_CAP = 10**9  # the progress total: exact for any real customer base
State = Literal["running", "done", "failed"]


def exports_dir(box: Box) -> Path:
    path = box.config.data_path / "exports"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty and readable by the box's user only."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def cleanup(directory: Path, keep_s: float, now: float | None = None) -> int:
    """Remove export files older than ``keep_s``; returns how many."""
    limit = (time.time() if now is None else now) - keep_s
    removed = 0
    for p in directory.iterdir():
        try:
            if p.is_file() and p.stat().st_mtime < limit:
                p.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def _stem(lang: str) -> str:
    return "kunden" if lang == "de" else "customers"


@dataclass
class ExportJob:
    id: str
    filters: ExportFilters
    created_at: str
    created_by: str
    state: State = "running"
    rows: int = 0
    total: int | None = None
    format: str | None = None
    error: str | None = None
    path: Path | None = None
    lang: str = "de"

    @property
    def filename(self) -> str:
        return f"{_stem(self.lang)}-{self.created_at[:10]}.{self.format}"

    def out(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "rows": self.rows,
            "total": self.total,
            "format": self.format,
            "filename": self.filename if self.state == "done" else None,
            "error": self.error,
            "filters": self.filters.settings(),
            "created_at": self.created_at,
            "created_by": self.created_by,
        }


@dataclass
class ExportJobs:
    """The box's export jobs (one service per box)."""

    box: Box
    jobs: dict[str, ExportJob] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def keep_s(self) -> float:
        return self.box.config.customers.export_keep_hours * 3600.0

    def cleanup(self) -> None:
        cleanup(exports_dir(self.box), self.keep_s)
        with self.lock:
            for jid, job in list(self.jobs.items()):
                if job.path is not None and not job.path.exists():
                    del self.jobs[jid]

    def _new(self, filters: ExportFilters, actor: str, job_id: str | None) -> ExportJob:
        job = ExportJob(
            job_id or secrets.token_hex(8),
            filters,
            now_iso("seconds"),
            actor,
            lang=self.box.config.devices.language,
        )
        with self.lock:
            self.jobs[job.id] = job
        return job

    def run(
        self,
        filters: ExportFilters,
        *,
        actor: str,
        fmt: Format = "auto",
        zip_from: int = ZIP_FROM,
        progress: Callable[[int, int], None] | None = None,
        job: ExportJob | None = None,
    ) -> ExportJob:
        """Write one export now, in this thread; ``progress(rows, total)``."""
        self.cleanup()
        job = job or self._new(filters, actor, None)
        directory = exports_dir(self.box)
        region = self.box.config.box.country

        def tick(n: int) -> None:
            job.rows = n
            if progress is not None:
                progress(n, job.total or 0)

        try:
            with self.box.db.snapshot() as conn:
                job.total = source.count(conn, filters, region=region, cap=COUNT_CAP)
                result = export_customers(
                    conn,
                    filters,
                    lambda suffix: private_file(directory / f"{job.id}.{suffix}"),
                    lang=job.lang,
                    region=region,
                    fmt=fmt,
                    zip_from=zip_from,
                    progress=tick,
                    exported_at=job.created_at,
                )
            job.path, job.format, job.rows = result.path, result.format, result.rows
            job.state = "done"
        except Exception as e:
            log.exception("customer export %s failed", job.id)
            job.state, job.error = "failed", str(e) or type(e).__name__
            for suffix in SUFFIXES:
                (directory / f"{job.id}.{suffix}").unlink(missing_ok=True)
        return job

    def start(self, filters: ExportFilters, *, actor: str, job_id: str) -> ExportJob:
        """Start an export in the background; poll :meth:`get` for its progress."""
        job = self._new(filters, actor, job_id)
        threading.Thread(
            target=lambda: self.run(filters, actor=actor, job=job),
            name=f"export-{job_id}",
            daemon=True,
        ).start()
        return job

    def get(self, job_id: str) -> ExportJob:
        with self.lock:
            job = self.jobs.get(job_id)
        if job is not None and not (job.state == "done" and job.path and not job.path.exists()):
            return job
        for suffix in SUFFIXES:  # finished before a restart
            path = exports_dir(self.box) / f"{job_id}.{suffix}"
            if len(job_id) == 16 and job_id.isalnum() and path.is_file():
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(path.stat().st_mtime))
                return ExportJob(
                    job_id, ExportFilters(), stamp, "", "done", format=suffix, path=path,
                    lang=self.box.config.devices.language,
                )  # fmt: skip
        raise NotFound(f"no export {job_id} (exports are kept a limited time)")


class _Cleaned(Protocol):
    def cleanup(self) -> None: ...


J = TypeVar("J", bound=_Cleaned)


def jobs_service(box: Box, name: str, make: Callable[[Box], J]) -> J:
    """The box's one job service ``name`` (exports, imports); the first call
    makes it and starts its hourly clean-up."""
    jobs = box.services.get(name)
    if jobs is None:
        jobs = box.services[name] = make(box)
        box.every(3600, jobs.cleanup, f"clean-{name.replace('_', '-')}")
    return jobs  # type: ignore[no-any-return]


def export_jobs(box: Box) -> ExportJobs:
    """The box's export jobs; the first call starts the hourly clean-up."""
    return jobs_service(box, SERVICE, ExportJobs)
