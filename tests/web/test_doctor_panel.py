"""The box check on the Devices & box page: the background doctor's last
report with each finding's fix (de/en), and a manager's "check now" that
starts a run without running it in the request."""

from __future__ import annotations

import threading
from datetime import datetime
from html import escape as html_escape

from flask import Flask

from edge.doctor import Finding, background
from edge.doctor.checks import BACKUP_FIX
from edge.platform.box import Box
from edge.platform.config import Config
from tests.support.fakes import wait_until
from tests.support.panel import Panel


def test_without_a_doctor_the_page_says_so(cashier: Panel, manager_panel: Panel) -> None:
    assert "not in this process" in cashier.text("/devices")
    assert cashier.post("/devices/doctor", token_from="/devices").status_code == 403
    resp = manager_panel.post("/devices/doctor", token_from="/devices")
    assert resp.status_code == 302
    assert "not in this process" in manager_panel.text("/devices")


def test_the_page_shows_each_check_with_its_fix_and_check_now_runs_in_the_background(
    app: Flask, staff: Box, cashier: Panel, manager_panel: Panel
) -> None:
    hold = threading.Event()
    hold.set()  # the first (scheduled) run passes; "check now" is held below
    seen = []

    def slow(config: Config, now: datetime) -> list[Finding]:
        seen.append(now)
        assert hold.wait(30)
        return [Finding("slow", "ok", f"run {len(seen)}")]

    doctor = background.attach(staff, extra=(slow,), interval=3600)
    wait_until(lambda: doctor.latest is not None)
    html = cashier.text("/devices")
    assert "Box check" in html and "run 1" in html
    assert "no backup recorded" in html and html_escape(BACKUP_FIX) in html
    assert 'class="doctor-warn"' in html and "warning" in html  # overall: a warning
    assert "Check now" not in html  # managers only
    german = Panel(app.test_client(), lang="de")
    german.login("max")
    page = german.text("/devices")
    assert "Box-Prüfung" in page and "Abhilfe" in page and "Jetzt prüfen" in page

    hold.clear()
    resp = manager_panel.post("/devices/doctor", token_from="/devices")
    # The answer came while the run is still held: it runs in its own thread.
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#box-check")
    wait_until(lambda: len(seen) == 2)
    assert doctor.running and "checking now" in manager_panel.text("/devices")
    assert "run 1" in manager_panel.text("/devices")  # the last finished report meanwhile
    hold.set()
    wait_until(lambda: not doctor.running)
    assert "run 2" in manager_panel.text("/devices")
    # A forged POST without the CSRF token is refused.
    forged = manager_panel.client.post("/devices/doctor", base_url="https://box.local")
    assert forged.status_code in (400, 403)
