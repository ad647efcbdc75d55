"""Device states as the service reports them.

Owns the mapping of driver states to the API's ``ok|offline|error``, the
``device.status`` events a driver's state change becomes, and the reports
built from the drivers' last known states: ``/health``'s summary, ``GET
/devices`` (and ``tilledge devices``) and the panel's states. Reads only what
the drivers already hold, so a request never touches hardware. May import
``drivers``, ``edge.platform`` and ``edge.devices.attached``; no Flask.
"""

from __future__ import annotations

from typing import Any

from drivers.device import ERROR, OFFLINE, OK, StateCallback
from edge.devices.attached import AttachedDevices
from edge.platform.events import EventBus

__all__ = [
    "DISABLED",
    "ERROR",
    "OFFLINE",
    "OK",
    "details",
    "health_state",
    "reason",
    "states",
    "summary",
]

DISABLED = "disabled"
_RANK = {OK: 0, OFFLINE: 1, ERROR: 2}


def health_state(state: str | None) -> str:
    """Driver state → the API's ok|offline|error (paper out is an error)."""
    if state is None:
        return OFFLINE  # not opened yet
    return state if state in _RANK else ERROR


def reason(state: str | None) -> str | None:
    """Why a device is ``error``: the driver's own state (``paper_out``,
    ``stalled``, ``disconnected``), None for ok/offline/error."""
    return state if state is not None and state not in _RANK else None


def status_events(bus: EventBus, kind: str) -> StateCallback:
    """The ``on_state`` callback that turns a driver's change into a ``device.status`` event."""

    def callback(name: str, state: str, detail: str) -> None:
        data = {"device": kind, "name": name, "state": health_state(state), "detail": detail}
        if reason(state) is not None:
            data["reason"] = state  # paper_out, stalled, disconnected
        bus.publish("device.status", data)

    return callback


def summary(devices: AttachedDevices) -> dict[str, str]:
    """``/health``: one state per kind (the worst reader counts)."""
    out = {"nfc": DISABLED, "printer": DISABLED, "display": DISABLED}
    if len(devices.readers):
        worst = max((health_state(r.state) for r in devices.readers), key=_RANK.__getitem__)
        out["nfc"] = worst
    if devices.printer is not None:
        out["printer"] = health_state(devices.printer.state)
    if devices.display is not None:
        out["display"] = health_state(devices.display.state)
    for kind in devices.config_errors:
        out[kind] = ERROR
    return out


def details(devices: AttachedDevices) -> dict[str, Any]:
    """``GET /devices`` and ``tilledge devices``: every device with its state."""
    config = devices.config
    readers = [
        {
            "name": r.name,
            "uri": r.uri,
            "terminal": devices.taps.terminals.get(r.name) or None,
            "state": health_state(r.state),
            "detail": r.detail,
            "taps": r.taps,
            "card_present": r.present_uid is not None,
            "simulated": r.simulated,
        }
        for r in devices.readers
    ]
    printer = None
    if devices.printer is not None:
        printer = {
            "uri": devices.printer.uri,
            "state": health_state(devices.printer.state),
            "raw_state": devices.printer.state,
            "reason": reason(devices.printer.state),
            "detail": devices.printer.detail,
            "queued": devices.queued_jobs(),
        }
    display = None
    if devices.display is not None:
        display = {
            "uri": devices.display.uri,
            "protocol": devices.display.protocol.name,
            "codepage": devices.display.protocol.codepage.name,
            "state": health_state(devices.display.state),
            "detail": devices.display.detail,
            "text": devices.display.current_text(),
        }
    for kind, problem in devices.config_errors.items():
        if kind == "printer":
            printer = {"uri": config.printer.uri, "state": ERROR, "detail": problem}
        else:
            display = {"uri": config.display.uri, "state": ERROR, "detail": problem}
    return {
        "summary": summary(devices),
        "nfc": {"enabled": config.nfc.enabled, "readers": readers},
        "printer": printer,
        "display": display,
    }


def states(devices: AttachedDevices) -> dict[str, dict[str, str]]:
    """Per kind ``{state, detail}`` (the panel's devices page)."""
    detail = {
        "nfc": "; ".join(f"{r.name}: {r.detail}" for r in devices.readers if r.detail),
        "printer": devices.printer.detail if devices.printer is not None else "",
        "display": devices.display.detail if devices.display is not None else "",
    }
    detail.update(devices.config_errors)
    out: dict[str, dict[str, str]] = {
        k: {"state": v, "detail": detail[k]} for k, v in summary(devices).items()
    }
    why = reason(devices.printer.state) if devices.printer is not None else None
    if why is not None and "printer" not in devices.config_errors:
        out["printer"]["reason"] = why
    return out
