"""The ``tilledge`` root group and what every command shares.

Owns :data:`cli` (the click group the command modules add to), the
:class:`State` it hands them (the config, loaded lazily, and the box), and the
output helpers: every command that prints data takes ``--json`` (:func:`json_option`)
and then prints exactly one JSON document (:func:`emit`); failures exit non-zero
with a one-line reason on stderr (:func:`fail`). Opening the box runs the storage
checks first (``edge.platform.preflight``): a fault is one line and its own exit
code, never a traceback. May import click and ``edge.platform``.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from edge.platform import migrations, preflight
from edge.platform.box import Box
from edge.platform.config import Config, ConfigError, load_config
from edge.platform.version import VERSION

#: What ``tilledge`` creates is its user's alone (data dir 0700, files 0600),
#: whatever umask the shell or a non-systemd start hands it.
PRIVATE_UMASK = 0o077


class State:
    """What the root group hands its commands: the config path, loaded lazily."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None
        self._serving = False
        self._on_fault: list[Callable[[str], None]] = []

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as e:
                fail(f"configuration: {e}")
        return self._config

    def serving(self, on_fault: Callable[[str], None]) -> None:
        """This command runs the service: a missing data directory whose parent
        is missing too is refused, and ``on_fault(line)`` hears any fault."""
        self._serving = True
        self._on_fault.append(on_fault)

    def open_box(self) -> Box:
        config = self.config
        try:
            preflight.check(config, create_parents=not self._serving)
            return Box.open(config)
        except preflight.StartupFault as fault:
            self._fault(fault)
        except migrations.MigrationFailed as e:
            self._fault(preflight.StartupFault("migration", str(e)))
        except (OSError, sqlite3.Error) as e:
            known = preflight.classify(e, config)
            if known is not None:
                self._fault(known)
            fail(f"cannot open the data directory {config.box.data_dir}: {e}")

    def _fault(self, fault: preflight.StartupFault) -> NoReturn:
        for hook in self._on_fault:
            hook(fault.line)
        fail(fault.line, fault.exit_code)


pass_state = click.make_pass_decorator(State)


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"tilledge: {message}", err=True)
    sys.exit(code)


def json_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")(fn)


def file_option(flag: str, dest: str, help: str) -> Callable[..., Any]:
    """An option naming one file (a ``Path``), e.g. ``--out`` or ``--answers``."""
    return click.option(flag, dest, type=click.Path(dir_okay=False, path_type=Path), help=help)


def emit(as_json: bool, data: Any, text: str | Callable[[], None]) -> None:
    """Print ``data`` as JSON, or the human text (a string or a printer)."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif callable(text):
        text()
    else:
        click.echo(text)


def list_command(
    group: click.Group,
    read: Callable[[sqlite3.Connection], list[dict[str, Any]]],
    line: Callable[[dict[str, Any]], str],
    help: str,
) -> None:
    """Add ``GROUP list``: the rows ``read`` returns, as JSON or one ``line`` each."""

    @group.command("list", help=help)
    @json_option
    @pass_state
    def list_rows(state: State, as_json: bool) -> None:
        with state.open_box() as box:
            rows = read(box.db.reader())

        def text() -> None:
            for r in rows:
                click.echo(line(r))

        emit(as_json, rows, text)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="TILLEDGE_CONFIG",
    help="TOML config file (default: $TILLEDGE_CONFIG or /etc/tilledge/tilledge.toml).",
)
@click.version_option(VERSION, prog_name="tilledge")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """TillEdge — the box beside the till."""
    ctx.obj = State(config_path)
