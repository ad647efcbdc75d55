"""Fixtures for the panel tests (helpers live in tests/support/panel.py)."""

from __future__ import annotations

import pytest
from flask import Flask

from edge.platform.box import Box
from tests.support.panel import Panel, add_user


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
