"""Open routes: health and the OpenAPI document."""

from __future__ import annotations

import sqlite3
from typing import Literal

from flask import Response, json
from pydantic import BaseModel

from edge import mail
from edge.api import examples as ex
from edge.api.context import current_box
from edge.api.openapi import openapi_document
from edge.api.registry import api
from edge.platform.version import VERSION

routes = api.section("box", scope=None)

DeviceState = Literal["ok", "offline", "error", "disabled"]


class DevicesHealth(BaseModel):
    nfc: DeviceState
    printer: DeviceState
    display: DeviceState


class MailHealth(BaseModel):
    configured: bool
    queued: int = 0  # waiting, retrying or being sent
    failed: int = 0
    uncertain: int = 0  # may have been delivered: staff decide whether to resend
    oldest_queued_s: int | None = None


class Health(BaseModel):
    status: Literal["ok", "degraded", "error"]
    version: str
    db: Literal["ok", "full", "error"]
    devices: DevicesHealth
    mail: MailHealth
    box_id: str
    name: str
    uptime_s: int
    tls_sha256: str | None = None


def mail_state(conn: sqlite3.Connection) -> MailHealth:
    configured = mail.mail_configured(current_box().config)
    return MailHealth(configured=configured, **mail.outbox_summary(conn))


def device_states() -> dict[str, str]:
    devices = current_box().services.get("devices")
    if devices is None:
        return {"nfc": "disabled", "printer": "disabled", "display": "disabled"}
    return devices.summary()  # type: ignore[no-any-return]


@routes.get("/health", response=Health, example=ex.HEALTH)
def health() -> Health:
    """Box health

    Open. `status` is `ok`, `degraded` (a device is `offline` or `error`) or
    `error` (the database); device states are `ok`, `offline`, `error` or
    `disabled`. `mail` counts the SMTP outbox (it never changes `status`).
    """
    import time

    box = current_box()
    try:
        box.db.reader().execute("SELECT 1 FROM box_meta LIMIT 1").fetchone()
        db_state: Literal["ok", "full", "error"] = "ok"
        box_id = box.box_id
        if box.db.probe_storage():
            db_state = "full"  # reads still answer; writes are refused (507)
        mail_health = mail_state(box.db.reader())
    except sqlite3.Error:
        db_state, box_id = "error", ""
        mail_health = MailHealth(configured=mail.mail_configured(box.config))
    devices = device_states()
    status: Literal["ok", "degraded", "error"] = "ok"
    if db_state == "error":
        status = "error"
    elif db_state == "full" or any(s in ("offline", "error") for s in devices.values()):
        status = "degraded"
    return Health(
        status=status,
        version=VERSION,
        db=db_state,
        devices=DevicesHealth(**devices),
        mail=mail_health,
        box_id=box_id,
        name=box.config.box.name,
        uptime_s=int(time.time() - box.started_at),
        tls_sha256=box.services.get("tls_fingerprint"),
    )


_doc_cache: dict[str, str] = {}


@routes.get("/openapi.json", example=ex.OPENAPI)
def openapi() -> Response:
    """This OpenAPI 3.1 document

    Open. Generated from the models that validate the requests; docs/api.md is
    the same contract in prose.
    """
    if "doc" not in _doc_cache:
        _doc_cache["doc"] = json.dumps(
            openapi_document(api, title="TillEdge POS API", version=VERSION)
        )
    return Response(_doc_cache["doc"], mimetype="application/json")
