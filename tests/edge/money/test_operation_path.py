"""The one operation path (edge/money/operations.py, edge/platform/idempotency.py)
is domain code: it loads no HTTP framework and nothing of the API or the panel."""

from __future__ import annotations

import subprocess
import sys


def test_the_operation_path_loads_no_web_code() -> None:
    probe = (
        "import sys, edge.money.operations, edge.platform.idempotency\n"
        "web = ('flask', 'werkzeug', 'edge.api', 'web')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in web or m.startswith(web)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
