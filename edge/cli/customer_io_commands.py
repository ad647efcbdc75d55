"""``tilledge customers export`` and ``import``: customer data in and out
(BACKOFFICE §11), with a progress bar on stderr."""

from __future__ import annotations

import contextlib
import csv
import shutil
import sys
from dataclasses import asdict
from pathlib import Path

import click

from edge.cli.customer_commands import customers
from edge.cli.group import State, emit, fail, json_option, pass_state
from edge.customers.io.exports import export_jobs
from edge.customers.io.import_rows import (
    OUTCOMES,
    REPORT_HEADER,
    import_file,
    parse_mapping,
    report_line,
)
from edge.customers.io.reader import estimate_rows
from edge.customers.io.source import ExportFilters


@customers.command("export")
@click.option("--status", type=click.Choice(["active", "inactive"]), help="Only this status.")
@click.option(
    "--type", "type_", type=click.Choice(["individual", "business"]), help="Only this type."
)
@click.option("--group", type=click.IntRange(1), help="Only this group id.")
@click.option("--search", default="", help="What the customer list's search box would match.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Copy the file here (default: keep it in <data_dir>/exports).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "xlsx", "zip"]),
    default="auto",
    show_default=True,
    help="auto: XLSX below 100,000 customers, else a ZIP of two CSV files.",
)
@json_option
@pass_state
def export(
    state: State,
    status: str | None,
    type_: str | None,
    group: int | None,
    search: str,
    out: str | None,
    fmt: str,
    as_json: bool,
) -> None:
    """Export customers (the §11 columns, headers in devices.language)."""
    filters = ExportFilters(status=status, type=type_, group_id=group, search=search)
    with (
        state.open_box() as box,
        click.progressbar(length=1, label="exporting customers", file=sys.stderr) as bar,
    ):

        def progress(rows: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(rows - bar.pos)

        job = export_jobs(box).run(filters, actor="cli", fmt=fmt, progress=progress)  # type: ignore[arg-type]
    if job.state != "done" or job.path is None:
        fail(f"export failed: {job.error}")
    path = job.path
    if out:
        shutil.copyfile(path, out)
        path = type(path)(out)
    emit(
        as_json,
        {"path": str(path), "format": job.format, "rows": job.rows},
        f"exported {job.rows} customer(s) to {path} ({job.format})",
    )


def _mapping(path: str | None) -> dict[str, str] | None:
    """A mapping TOML file: ``[columns]`` "file header" = "field"."""
    if path is None:
        return None
    try:
        return parse_mapping(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        fail(f"mapping {path}: {e}")


@customers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Report every row's outcome; write nothing.")
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False),
    help='TOML file: [columns] "header" = "field".',
)
@click.option("--delimiter", help="CSV delimiter (default: sniffed).")
@click.option("--encoding", help="CSV encoding (default: BOM, UTF-8, else cp1252).")
@click.option(
    "--report", type=click.Path(dir_okay=False), help="Write the per-row report here (CSV)."
)
@json_option
@pass_state
def import_(
    state: State,
    file: str,
    dry_run: bool,
    mapping: str | None,
    delimiter: str | None,
    encoding: str | None,
    report: str | None,
    as_json: bool,
) -> None:
    """Import customers from CSV or XLSX, matched by customer number.

    Exit 0 when every row is fine, 1 when some were refused.
    """
    columns = _mapping(mapping)
    counts = dict.fromkeys(OUTCOMES, 0)
    problems: list[dict[str, object]] = []
    with state.open_box() as box, contextlib.ExitStack() as stack:
        out = None
        if report:
            f = stack.enter_context(open(report, "w", encoding="utf-8-sig", newline=""))
            out = csv.writer(f, delimiter=";")
            out.writerow(REPORT_HEADER)
        bar = stack.enter_context(
            click.progressbar(
                length=max(estimate_rows(Path(file)), 1),
                label="importing" if not dry_run else "checking",
                file=sys.stderr,
            )
        )
        rows = import_file(
            box,
            Path(file),
            dry_run=dry_run,
            mapping=columns,
            delimiter=delimiter,
            encoding=encoding,
            progress=lambda n: bar.update(1),
        )
        for result in rows:
            counts[result.outcome] += 1
            if out is not None:
                out.writerow(report_line(result))
            if not result.ok():
                problems.append(asdict(result))
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    emit(
        as_json,
        {"dry_run": dry_run, "counts": counts, "problems": problems},
        lambda: _print(problems, ("dry run: " if dry_run else "") + summary),
    )
    if problems:
        sys.exit(1)


def _print(problems: list[dict[str, object]], summary: str) -> None:
    for p in problems:
        errors = "; ".join(f"{e['field']}: {e['message']}" for e in p["errors"])  # type: ignore[attr-defined]
        click.echo(f"row {p['row']}: {p['outcome']}: {errors}")
    click.echo(summary)
