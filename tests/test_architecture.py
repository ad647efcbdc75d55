"""The architecture as a test: no import cycles among the project's own modules,
the layering of ``edge/__init__.py``'s docstring, and Flask kept out of the
domain at run time.

The import graph is read statically (``ast``) from every ``import`` and
``from … import`` in edge/, web/ and drivers/, also those inside functions:
a lazy import still ties two modules together. ``from pkg import name`` is an
edge to ``pkg.name`` when that is a module, else to ``pkg``; the implicit
import of a package's parent ``__init__`` is not an edge.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("edge", "web", "drivers")

# edge/__init__.py, bottom up: a module may import its own layer and those below.
DOMAIN = (
    "edge.customers",
    "edge.money",
    "edge.invoices",
    "edge.subscriptions",
    "edge.sepa",
    "edge.security",
    "edge.devices",
    "edge.mail",
    "edge.doctor",
)
LAYERS: tuple[tuple[str, ...], ...] = (
    ("edge.errors",),
    ("edge.ledger", "edge._ledger_core"),
    ("edge.platform",),
    DOMAIN,
    ("edge.demo",),
    ("edge.api", "web"),
    ("edge.serving",),
    ("edge.cli",),
)
WEB_LIBRARIES = ("flask", "werkzeug")
NO_WEB = (*DOMAIN, "edge.demo", "edge.platform", "edge.ledger", "edge.errors", "drivers")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if path.suffix not in (".py", ".so", ".pyd"):
                continue
            parts = list(path.relative_to(ROOT).parts)
            parts[-1] = parts[-1].split(".", 1)[0]  # _ledger_core.abi3.so → _ledger_core
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _imports(name: str) -> Iterator[str]:
    """Every module ``name`` imports: ours by module name, others by top-level name."""
    path = MODULES[name]
    if path.suffix != ".py":
        return
    package = name if _is_package(name) else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield _ours(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield (
                    _ours(f"{base}.{alias.name}")
                    if f"{base}.{alias.name}" in MODULES
                    else (_ours(base))
                )


def _ours(target: str) -> str:
    """The longest project module ``target`` names, or its top-level package."""
    parts = target.split(".")
    while parts:
        if ".".join(parts) in MODULES:
            return ".".join(parts)
        parts.pop()
    return target.split(".")[0]


def _graph() -> dict[str, set[str]]:
    return {name: {t for t in _imports(name) if t in MODULES and t != name} for name in MODULES}


def _external(name: str) -> set[str]:
    return {t for t in _imports(name) if t not in MODULES}


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _layer(name: str) -> int | None:
    for i, layer in enumerate(LAYERS):
        if _under(name, layer):
            return i
    return None


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle graphlib finds, one at a time: each found cycle is cut at
    its first edge so the next search can name the next one."""
    graph = {k: set(v) for k, v in graph.items()}
    found = []
    while True:
        try:
            TopologicalSorter(graph).prepare()
            return found
        except CycleError as e:
            # [a, b, …, a]: each is a predecessor (an import) of the next,
            # so the first edge is "b imports a".
            cycle = e.args[1]
            found.append(cycle)
            assert cycle[0] in graph[cycle[1]], cycle  # else this loop never ends
            graph[cycle[1]].discard(cycle[0])


def test_the_graph_sees_the_whole_project() -> None:
    graph = _graph()
    # A test that parsed nothing would pass: check it reads what we know is there.
    assert len(graph) > 80
    assert "edge.api.registry" in graph["edge.api.money"]
    assert "edge.ledger" in graph["edge.money.service"]  # from edge import ledger
    assert "edge.serving.app" in graph["edge"]  # a lazy import inside a function
    assert "flask" in _external("edge.api.registry")
    assert "flask" in _external("edge.api.context")  # the one Flask-bound current_box
    assert "edge.api.money" in graph["edge.api.routes"]  # the one place routes load
    assert "edge.cli.ledger_commands" in graph["edge.cli"]
    assert "edge.platform.box" in graph["edge.devices.manager"]  # under TYPE_CHECKING


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(c) for c in cycles)


def test_the_cycle_finder_names_a_cycle() -> None:
    cycles = _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    assert len(cycles) == 1
    assert set(cycles[0]) == {"a", "b", "c"}


def test_layers() -> None:
    wrong = []
    for name, targets in _graph().items():
        mine = _layer(name)
        if mine is None:
            continue
        for target in targets:
            theirs = _layer(target)
            if theirs is not None and theirs > mine:
                wrong.append(f"{name} ({LAYERS[mine][0]}) imports {target} ({LAYERS[theirs][0]})")
    assert not wrong, "imports upward through the layers:\n" + "\n".join(sorted(wrong))


def test_no_web_below_the_api() -> None:
    wrong = []
    for name in MODULES:
        if not _under(name, NO_WEB):
            continue
        for lib in sorted(_external(name) & set(WEB_LIBRARIES)):
            wrong.append(f"{name} imports {lib}")
        for target in sorted(_graph()[name]):
            web_side = ("edge.api", "edge.serving", "edge.cli", "web")
            if _under(target, web_side):
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_drivers_know_nothing_of_edge() -> None:
    graph = _graph()
    wrong = [
        f"{name} imports {t}"
        for name in MODULES
        if _under(name, ("drivers",))
        for t in graph[name]
        if _under(t, ("edge",))
    ]
    assert not wrong, "\n".join(wrong)


_LOADED = """
import importlib, json, pkgutil, sys
top = importlib.import_module(sys.argv[1])
for info in pkgutil.walk_packages(getattr(top, "__path__", []), top.__name__ + "."):
    importlib.import_module(info.name)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("flask", "werkzeug"))))
"""


@pytest.mark.parametrize(
    "package", ["edge.errors", "edge.ledger", "drivers", "edge.platform", *DOMAIN, "edge.demo"]
)
def test_loads_no_flask(package: str) -> None:
    """The package and every module in it, imported in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", _LOADED, package],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out) == []
