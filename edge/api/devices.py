"""Till hardware routes: customer display, receipts, device states."""

from __future__ import annotations

import sqlite3
from typing import Annotated, Any, Literal

from flask import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from drivers.uids import nfc_uid
from edge.api import examples as ex
from edge.api import idempotency
from edge.api.context import current_box
from edge.api.problems import ApiError
from edge.api.registry import api
from edge.devices import printing, reprints
from edge.errors import FieldErrors
from edge.platform.bounds import IdText

routes = api.section("devices")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


DisplayLine = Annotated[str, Field(max_length=200)]


class DisplayIn(_In):
    lines: Annotated[list[DisplayLine], Field(min_length=1, max_length=4)] = Field(
        description="one string per display row; longer lines scroll"
    )
    timeout_s: Annotated[int, Field(ge=1, le=3600)] | None = Field(
        None, description="back to the idle text after this many seconds (default: stays)"
    )


class DisplayOut(BaseModel):
    state: Literal["ok", "offline", "error", "disabled"]
    lines: list[str] = Field(description="the full lines asked for, after code-page folding")
    text: list[str] = Field(description="exactly what the glass shows now (scrolled window)")
    columns: int
    rows: int


class ReceiptIn(_In):
    checkout_id: IdText | None = None
    operation_id: IdText | None = Field(
        None, description="a top-up, payout or refund: prints its slip"
    )
    lines: Annotated[list[Annotated[str, Field(max_length=500)]], Field(max_length=200)] | None = (
        None
    )
    title: Annotated[str, Field(max_length=100)] = ""

    @model_validator(mode="after")
    def _one_source(self) -> ReceiptIn:
        sources = [self.checkout_id, self.operation_id, self.lines]
        if sum(x is not None for x in sources) != 1:
            raise ValueError("send exactly one of checkout_id, operation_id, lines")
        return self


class ReceiptJob(BaseModel):
    job_id: str
    kind: str
    source_id: str | None = None
    state: Literal["queued", "printing", "printed", "failed"]
    attempts: int
    reason: str | None = Field(None, description="why the job failed")
    last_error: str | None = Field(None, description="the last printer error (also while queued)")
    created_at: str
    updated_at: str
    printed_at: str | None = None


def _manager() -> Any:
    return current_box().services.get("devices")


def _display_out() -> DisplayOut:
    manager = _manager()
    display = manager.display if manager is not None else None
    if display is None:
        return DisplayOut(state="disabled", lines=[], text=[], columns=0, rows=0)
    state = manager.summary()["display"]
    return DisplayOut(
        state=state,
        lines=display.lines,
        text=display.current_text(),
        columns=display.columns,
        rows=display.rows,
    )


@routes.post(
    "/display",
    body=DisplayIn,
    response=DisplayOut,
    errors=("device_disabled",),
    example=ex.DISPLAY,
)
def post_display(body: DisplayIn) -> DisplayOut:
    """Show text on the customer display

    Lines longer than the display scroll; after `timeout_s` the idle text
    returns. Without a display: `device_disabled`.
    """
    manager = _manager()
    if manager is None or manager.display is None:
        raise ApiError(409, "device_disabled", "no customer display is configured")
    manager.display.show(body.lines, timeout=body.timeout_s)
    return _display_out()


@routes.get("/display", response=DisplayOut, example=ex.DISPLAY)
def get_display() -> DisplayOut:
    """What the customer display shows now (for a mirror in the panel)

    `text` is the exact window of scrolling lines; `state` is `disabled`
    without a display.
    """
    return _display_out()


@routes.post(
    "/receipts",
    body=ReceiptIn,
    response=ReceiptJob,
    status=201,
    errors=("not_found", "device_disabled"),
    example=ex.RECEIPT_JOB,
)
def post_receipt(body: ReceiptIn) -> Response:
    """Print a receipt for a checkout (again), a top-up/payout slip or free text; returns the
    job

    Send exactly one of `checkout_id` (reprint a sale), `operation_id` (slip of
    a top-up, payout or refund) or `lines`. Progress arrives as
    `receipt.status` events. Without a printer: `device_disabled`.
    """
    box = current_box()
    manager = _manager()
    if not box.config.devices.printer.enabled or manager is None or manager.printer is None:
        raise ApiError(409, "device_disabled", "no receipt printer is configured")
    config = box.config

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        if body.checkout_id is not None:
            doc = printing.latest_document_for(conn, "checkout", body.checkout_id)
            if doc is None:
                doc = reprints.rebuild_checkout(conn, config, body.checkout_id)
            if doc is None:
                raise ApiError(404, "not_found", f"no checkout {body.checkout_id}")
            job_id = printing.enqueue(conn, doc, kind="checkout", source_id=body.checkout_id)
        elif body.operation_id is not None:
            doc = reprints.operation_slip(conn, config, body.operation_id)
            if doc is None:
                raise ApiError(404, "not_found", f"no top-up, payout or refund {body.operation_id}")
            job_id = printing.enqueue(conn, doc, source_id=body.operation_id)
        else:
            job_id = printing.enqueue_text(conn, config, list(body.lines or []), body.title)
        found = printing.job(conn, job_id)
        assert found is not None
        return found, 201

    def after(job: dict[str, Any]) -> None:
        manager.job_queued(job["job_id"], job["kind"])

    return idempotency.commit(txn, after=after)


@routes.get(
    "/receipts/<job_id>",
    response=ReceiptJob,
    errors=("not_found",),
    example={**ex.RECEIPT_JOB, "state": "printed", "attempts": 1, "printed_at": ex.AT},
)
def get_receipt(job_id: str) -> dict[str, Any]:
    """A print job's state: queued, printing, printed or failed (with reason)

    `attempts` and `last_error` show retries while the printer is offline or
    out of paper; `failed` carries `reason`.
    """
    found = printing.job(current_box().db.reader(), job_id)
    if found is None:
        raise ApiError(404, "not_found", f"no print job {job_id}")
    return found


class TapIn(_In):
    uid: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        description="the card UID to present (hex, 1..10 bytes)"
    )
    reader: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        None, description="a reader name from [devices.nfc] (default: the first udp:/sim one)"
    )


class TapOut(BaseModel):
    reader: str
    uid: str = Field(description="the UID as the reader reports it (upper-case hex)")
    simulated: Literal[True] = True


@routes.post(
    "/devices/taps",
    body=TapIn,
    response=TapOut,
    status=202,
    errors=("not_found", "conflict", "device_disabled"),
    example={"reader": "till-1", "uid": "04A2B3C4", "simulated": True},
)
def post_tap(body: TapIn) -> dict[str, Any]:
    """Simulate a card tap on a udp: or sim reader

    The tap arrives as a `card.tapped` event with `simulated: true`. A udp
    reader gets the card over nfcpy's udp transport (like any emulator); a
    `sim` reader gets it handed in. A real reader (`usb:`, `tty:`) answers
    `conflict`: nobody can make a card appear on it. Without readers:
    `device_disabled`.
    """
    manager = _manager()
    if manager is None or not len(manager.readers):
        raise ApiError(409, "device_disabled", "no NFC reader is configured")
    try:
        uid = nfc_uid(body.uid)
    except ValueError as exc:
        raise FieldErrors.one("uid", str(exc)) from exc
    return manager.simulate_tap(uid, body.reader)  # type: ignore[no-any-return]


class DevicesOut(BaseModel):
    summary: dict[str, Literal["ok", "offline", "error", "disabled"]]
    nfc: dict[str, Any]
    printer: dict[str, Any] | None
    display: dict[str, Any] | None


@routes.get("/devices", response=DevicesOut, example=ex.DEVICES)
def get_devices() -> dict[str, Any]:
    """Configured hardware with state and detail

    Readers with their terminal and `card_present`, the printer with its queued
    jobs, the display with its text; `summary` as in `/health`.
    """
    manager = _manager()
    if manager is None:
        disabled = {"nfc": "disabled", "printer": "disabled", "display": "disabled"}
        return {"summary": disabled, "nfc": {"enabled": False, "readers": []}, "printer": None,
                "display": None}  # fmt: skip
    return manager.details()  # type: ignore[no-any-return]
