"""Fixtures for the panel tests (helpers live in panel_helpers.py).

No ``__init__.py`` here on purpose: a ``tests/web`` package would shadow the
real ``web`` package on sys.path.
"""

from __future__ import annotations

import pytest
from flask import Flask
from panel_helpers import Panel, add_user

from edge.platform.box import Box


@pytest.fixture
def staff(box: Box) -> Box:
    add_user(box, "cara", "cashier")
    add_user(box, "max", "manager")
    add_user(box, "ada", "admin")
    return box


def _panel(app: Flask, name: str) -> Panel:
    p = Panel(app.test_client())
    p.login(name)
    return p


@pytest.fixture
def cashier(app: Flask, staff: Box) -> Panel:
    return _panel(app, "cara")


@pytest.fixture
def manager_panel(app: Flask, staff: Box) -> Panel:
    return _panel(app, "max")
