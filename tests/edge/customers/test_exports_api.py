"""The export job API: start with filters, poll, download; manager scope."""

from __future__ import annotations

import io
import time

import openpyxl


def test_export_job_runs_and_the_file_downloads(manager, pos, mk):  # type: ignore[no-untyped-def]
    mk(last_name="Eins", postal_code="01067")
    mk(last_name="Zwei", type="business", company_name="Zwei GmbH")
    assert pos.post("/customers/exports", json={}).status_code == 403
    r = manager.post("/customers/exports", json={"type": "individual"},
                     headers={"Idempotency-Key": "exp-1"})  # fmt: skip
    assert r.status_code == 202, r.get_json()
    job = r.get_json()
    again = manager.post("/customers/exports", json={"type": "individual"},
                         headers={"Idempotency-Key": "exp-1"})  # fmt: skip
    assert again.get_json()["id"] == job["id"]
    for _ in range(200):
        state = manager.get(f"/customers/exports/{job['id']}").get_json()
        if state["state"] != "running":
            break
        time.sleep(0.05)
    assert state["state"] == "done" and state["rows"] == 1 and state["format"] == "xlsx"
    f = manager.get(f"/customers/exports/{job['id']}/file")
    assert f.status_code == 200 and "attachment" in f.headers["Content-Disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(f.data), read_only=True).active.iter_rows(
        values_only=True))  # fmt: skip
    assert rows[0][0] == "Kundennummer" and rows[1][3] == "Eins" and rows[1][8] == "01067"
    assert manager.get("/customers/exports/0123456789abcdef").status_code == 404
    bad = manager.post("/customers/exports", json={"status": "gone"})
    assert bad.status_code == 422
