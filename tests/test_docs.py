"""The documentation in ``docs/`` checked against the box itself.

The API contract must list every operation of the served OpenAPI document
and every problem code the error table maps; the money rules' examples run
against the compiled core; the CLI reference covers every command and
option of the click group; and nothing points outside the repository.
"""

from __future__ import annotations

import ast
import doctest
import re
from collections.abc import Iterator

import click
from flask.testing import FlaskClient

from edge import ledger
from edge.api.problems import DEFAULT_CODES, STATUS
from edge.cli import cli
from tests.support.paths import ROOT

DOCS = ROOT / "docs"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
HEADING = re.compile(r"^#{2,5} (.+)$", re.M)


def _text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _headings(name: str) -> set[str]:
    return {h.strip().strip("`") for h in HEADING.findall(_text(name))}


def _sections(name: str) -> dict[str, str]:
    """Heading (without backticks) -> the text up to the next heading."""
    text = _text(name)
    marks = list(HEADING.finditer(text))
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return {
        m.group(1).strip().strip("`"): text[m.end() : e] for m, e in zip(marks, ends, strict=True)
    }


# ------------------------------------------------------------------ API --


def test_every_served_operation_has_its_section(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    headings = _headings("api.md")
    operations = [
        f"{method.upper()} {path.removeprefix('/api/v1')}"
        for path, ops in doc["paths"].items()
        for method in ops
    ]
    assert len(operations) >= 30
    missing = [op for op in operations if op not in headings]
    assert not missing, f"document these operations in docs/api.md: {missing}"
    # And no section for a route the box does not serve (a renamed path).
    served = set(operations)
    stale = [h for h in headings if re.match(r"^(GET|POST|PATCH|PUT|DELETE) /", h)]
    assert not [h for h in stale if h not in served], "docs/api.md names routes not served"


def _problem_table() -> dict[str, int]:
    rows = re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", _text("api.md"), re.M)
    table = {code: int(status) for code, status in rows}
    assert len(table) == len(rows), "a problem code is listed twice"
    return table


def test_the_error_table_lists_every_domain_code_with_its_status() -> None:
    table = _problem_table()
    missing = {c: s for c, s in STATUS.items() if c not in table}
    assert not missing, f"add these codes to the table in docs/api.md: {missing}"
    wrong = {c: (table[c], s) for c, s in STATUS.items() if table[c] != s}
    assert not wrong, f"docs/api.md gives these codes another status (doc, box): {wrong}"


def _http_layer_codes() -> Iterator[tuple[str, int, str, int]]:
    """``ApiError(status, "code", …)`` calls in the source: what only the HTTP
    layer refuses (authentication, headers, devices, pairing …)."""
    for path in sorted([*(ROOT / "edge").rglob("*.py"), *(ROOT / "web").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ApiError"):
                continue
            args = [a.value for a in node.args[:2] if isinstance(a, ast.Constant)]
            if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):
                yield str(path.relative_to(ROOT)), node.lineno, args[1], args[0]


def test_the_error_table_lists_the_http_layer_codes() -> None:
    table = _problem_table()
    found = list(_http_layer_codes())
    assert any(code == "idempotency_key_missing" for _, _, code, _ in found)
    expected = [(f"{p}:{n}", c, s) for p, n, c, s in found]
    expected += [("DEFAULT_CODES", c, s) for s, c in DEFAULT_CODES.items()]
    wrong = [(where, c, s) for where, c, s in expected if table.get(c) != s]
    assert not wrong, f"docs/api.md's problem table lacks (or gives another status to): {wrong}"


def test_the_http_layer_answers_what_the_table_says(client: FlaskClient) -> None:
    table = _problem_table()
    cases = {
        "unauthorized": client.get("/api/v1/customers"),
        "not_found": client.get("/api/v1/no-such-route"),
        "method_not_allowed": client.put("/api/v1/health"),
        "unsupported_media_type": client.post("/api/v1/pair", data="code=x"),
        "bad_request": client.post(
            "/api/v1/pair", data="{", headers={"Content-Type": "application/json"}
        ),
        "invalid_pairing_code": client.post("/api/v1/pair", json={"code": "AAAA-BBBB"}),
    }
    for code, resp in cases.items():
        assert resp.get_json()["code"] == code
        assert table.get(code) == resp.status_code, f"docs/api.md: {code} {resp.status_code}"


# ---------------------------------------------------------------- money --


def _python_blocks(name: str) -> Iterator[tuple[int, str]]:
    text = _text(name)
    for m in FENCE.finditer(text):
        if m.group(1) == "python":
            yield text.count("\n", 0, m.start(2)), m.group(2)


def test_the_money_examples_run_against_the_core() -> None:
    blocks = list(_python_blocks("money.md"))
    assert len(blocks) >= 12
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    globs: dict[str, object] = {}
    for lineno, source in blocks:
        test = parser.get_doctest(source, globs, f"money.md:{lineno + 1}", "docs/money.md", lineno)
        runner.run(test, clear_globs=False)
        globs.update(test.globs)  # later blocks use what earlier ones defined
    result = runner.summarize(verbose=False)
    assert result.attempted >= 50
    assert result.failed == 0, "an example in docs/money.md does not match the core (see above)"


def test_the_vat_after_points_example_is_the_cores() -> None:
    text = _text("money.md")
    # The doc's numbers, read from its worked example (SPEC §4).
    assert "shares 714" in text or "| 714 |" in text
    lines = [
        {"unit_price": 5000, "quantity": "1", "vat_rate_bp": 1900},
        {"unit_price": 2000, "quantity": "1", "vat_rate_bp": 700},
    ]
    b = ledger.price_basket(lines, 0, points_to_redeem=1000, points_balance=1000)
    rows = {v.rate_bp: (v.gross, v.vat) for v in b.vat}
    assert [v.points_share for v in sorted(b.vat, key=lambda v: -v.rate_bp)] == [714, 286]
    assert b.total == 6000
    assert rows == {1900: (4286, 684), 700: (1714, 112)}
    for number in ("4286", "684", "1714", "112", "6000"):
        assert number in text


# ------------------------------------------------------------------ CLI --


def _commands(group: click.Group, prefix: str = "tilledge") -> Iterator[tuple[str, click.Command]]:
    for name, cmd in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, path)
        else:
            yield path, cmd


def test_every_command_and_option_is_documented() -> None:
    sections = _sections("cli.md")
    commands = list(_commands(cli))
    assert len(commands) >= 20
    missing = [path for path, _ in commands if path not in sections]
    assert not missing, f"give these commands a section in docs/cli.md: {missing}"
    undocumented = [
        f"{path} {opt}"
        for path, cmd in commands
        for param in cmd.params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--") and opt not in sections[path]
    ]
    assert not undocumented, f"document these options in docs/cli.md: {undocumented}"
    root = _text("cli.md")
    assert all(opt in root for p in cli.params for opt in p.opts if opt.startswith("--"))


# ---------------------------------------------------------------- links --


def test_the_docs_link_only_inside_the_repository() -> None:
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    assert {p.name for p in DOCS.glob("*.md")} >= {"README.md", "api.md", "money.md", "cli.md"}
    broken = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "../shared" not in text, f"{page.name} points outside the repository"
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target:
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, broken
