"""`pip install .` in a clean venv gives an importable package outside the repo."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT


@pytest.mark.slow
def test_wheel_installs_in_a_clean_venv(tmp_path):
    maturin = shutil.which("maturin", path=str(Path(sys.executable).parent))
    if maturin is None:
        pytest.skip("maturin is not installed in this environment")
    env = dict(os.environ)
    # Reuse the crate's build cache so this test costs seconds, not a full rebuild.
    env.setdefault("CARGO_TARGET_DIR", str(ROOT / "ledger_core" / "target"))
    subprocess.run(
        [maturin, "build", "--release", "-q", "-o", str(tmp_path / "dist")],
        cwd=ROOT,
        env=env,
        check=True,
    )
    wheels = list((tmp_path / "dist").glob("tilledge-*.whl"))
    assert len(wheels) == 1
    import zipfile

    names = zipfile.ZipFile(wheels[0]).namelist()
    assert any(n.startswith("edge/_ledger_core") for n in names)
    assert any(n.startswith("drivers/") for n in names)
    assert any(n.startswith("web/") for n in names)
    assert not any(n.startswith("tests/") for n in names)
    # The catalogs are git-ignored build output: the wheel must carry them all the same.
    for lang in ("de", "en"):
        assert f"l10n/translations/{lang}/LC_MESSAGES/messages.mo" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", str(wheels[0])], check=True, cwd=tmp_path
    )
    out = subprocess.run(
        [
            str(py),
            "-c",
            "import edge, edge._ledger_core as c, l10n;"
            " print(edge.__version__, c.apply_percent(1005, 10), l10n.translator('de')('login'))",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split()[1:] == ["101", "Anmelden"]
    cli = subprocess.run(
        [str(venv / "bin" / "tilledge"), "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert "tilledge" in cli.stdout
