"""``POST /api/v1/pair``: a terminal exchanges a pairing code for its token.

Open (the terminal has no token yet) but throttled: a client address gets
``security.pairing_max_failures`` wrong codes per code lifetime, then 429 —
even for a right code, or throttling would not slow guessing at all. The
clear token is in this response only; it is not kept for Idempotency-Key
replays (that would store it unhashed), so a lost response needs a new code.
"""

from __future__ import annotations

import sqlite3

from flask import request
from pydantic import BaseModel, ConfigDict, Field

from edge.api import examples as ex
from edge.api.context import current_box
from edge.api.problems import ApiError
from edge.api.registry import api
from edge.security import pairing, throttle

routes = api.section("security", scope=None)


class PairRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=4, max_length=32, description="e.g. ABCD-EFGH")
    name: str | None = Field(None, min_length=1, max_length=64, description="terminal name")


class PairResponse(BaseModel):
    id: str
    name: str
    scopes: list[str]
    token: str
    box_id: str
    tls_sha256: str | None = None


@routes.post(
    "/pair",
    body=PairRequest,
    response=PairResponse,
    status=201,
    idempotency_key="unused",
    errors=("invalid_pairing_code", "rate_limited"),
    example=ex.PAIRED,
)
def pair(body: PairRequest) -> PairResponse:
    """Exchange a single-use pairing code for a terminal token

    Open. The answer holds the token (only here: it is not kept for replays),
    the box id and the TLS fingerprint to pin. Wrong codes are counted per
    client address; too many are `rate_limited` with `Retry-After`.
    """
    box = current_box()
    cfg = box.config.security
    client = request.remote_addr or "unknown"
    window = cfg.pairing_code_minutes * 60
    if throttle.is_throttled(
        box.db.reader(), "pair", client, limit=cfg.pairing_max_failures, window_s=window
    ):
        raise ApiError(
            429,
            "rate_limited",
            "too many wrong pairing codes from this address; wait and try again",
            headers={"Retry-After": str(window)},
        )

    def run(conn: sqlite3.Connection) -> pairing.Redeemed | None:
        result = pairing.redeem(conn, body.code, name=body.name)
        if result is None:
            throttle.record_failure(conn, "pair", client)
        return result

    result = box.db.write(run)
    if result is None:
        raise ApiError(
            400,
            "invalid_pairing_code",
            "the pairing code is unknown, expired or already used",
            errors=[{"field": "code", "message": "unknown, expired or already used"}],
        )
    return PairResponse(
        id=result.id,
        name=result.name,
        scopes=result.scopes,
        token=result.token,
        box_id=box.box_id,
        tls_sha256=box.services.get("tls_fingerprint"),
    )
