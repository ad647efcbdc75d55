"""The maintainer scripts without installing anything: they parse, stop at the
first error, and postinst's "provisioned" rule (start only a box that serves
beyond loopback) decides as packaging/README.md says."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import ROOT

DEBIAN = ROOT / "packaging" / "debian"
SCRIPTS = ("postinst", "prerm", "postrm")


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_parses_and_stops_at_the_first_error(name: str) -> None:
    script = DEBIAN / name
    subprocess.run(["sh", "-n", str(script)], check=True)
    lines = [x for x in script.read_text().splitlines() if x and not x.startswith("#")]
    assert lines[0] == "set -e"
    assert lines[-1] == "exit 0"


def _provisioned_check() -> str:
    """The Python postinst runs (from its here-document) to decide."""
    text = (DEBIAN / "postinst").read_text()
    match = re.search(r"<<'PY'\n(.*?)\nPY\n", text, re.S)
    assert match, "postinst lost its provisioned check"
    return match.group(1)


@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="no Debian python3")
@pytest.mark.parametrize(
    ("config", "provisioned"),
    [
        ("", False),  # the template: every key commented, default 127.0.0.1:8080
        ('[server]\nlisten = "127.0.0.1:8443"\n', False),
        ('[server]\nlisten = "[::1]:8443"\n', False),
        ('[server]\nlisten = "localhost:8443"\n', False),
        ('[server]\nlisten = "0.0.0.0:8443"\n', True),
        ('[server]\nlisten = "192.168.1.20:8443"\n', True),
        ('[server]\nlisten = "[::]:8443"\n', True),
        ('[server]\nlisten = "box.local:8443"\n', True),
        ("[server\nnot toml", False),  # unreadable: never start on a guess
    ],
)
def test_only_a_box_serving_beyond_loopback_counts_as_provisioned(
    tmp_path: Path, config: str, provisioned: bool
) -> None:
    path = tmp_path / "tilledge.toml"
    path.write_text(config, encoding="utf-8")
    res = subprocess.run(
        ["/usr/bin/python3", "-", str(path)], input=_provisioned_check(), text=True, check=False
    )
    assert res.returncode == (0 if provisioned else 1)
