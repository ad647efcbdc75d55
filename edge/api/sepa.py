"""SEPA direct debit routes (BACKOFFICE §10, docs/sepa-collections.md): what
the next collection file would collect, making it (one transaction, once per
``Idempotency-Key``), the files and their XML, the bank's confirmation,
returns, and the customers' mandates. All ``manager``: a file moves money."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from flask import Response

from edge.api import sepa_schemas as m
from edge.api.auth import current_actor
from edge.api.context import current_box
from edge.api.idempotency import commit
from edge.api.registry import api
from edge.customers.service import parse_id
from edge.errors import NotFound
from edge.invoices.book import box_date
from edge.platform.actor import Actor
from edge.platform.bounds import parse_row_id
from edge.platform.clock import now_iso
from edge.sepa import collections, mandates

routes = api.section("sepa", scope="manager")
AFTER_ERRORS = ("not_found", "conflict", "validation_error", "payment_exceeds_owed")


def _id(raw: str, what: str) -> int:
    value = parse_row_id(raw)
    if value is None:
        raise NotFound(f"no {what} {raw}")
    return value


def _actor() -> Actor:
    return Actor(current_actor(), now_iso())


def _day(given: date | None, actor: Actor) -> date:
    return given if given is not None else box_date(current_box().config, actor.at)


@routes.get("/sepa/preview", query=m.PreviewQuery, response=m.Preview)
def sepa_preview(query: m.PreviewQuery) -> dict[str, Any]:
    """What the next collection file would collect, with its pre-flight result

    Every invoice due for direct debit (`sepa_state` `due`) with its
    sequence (`FRST` for a mandate's first collection or after a move to
    another bank, else `RCUR`), collection date and mandate; `failures`
    names each invoice and field the file would be refused for.
    """
    box = current_box()
    day = _day(query.date, _actor())
    return collections.preview(box.db.reader(), box.config, day)


@routes.post(
    "/sepa/files", body=m.FileIn, response=m.File, status=201,
    errors=("sepa_preflight_failed", "conflict", "validation_error"),
)  # fmt: skip
def make_sepa_file(body: m.FileIn) -> Response:
    """Make the next collection file (pain.008.001.08)

    One transaction: the file (XSD-validated), a collection per invoice, the
    invoices `pending`, the mandates' amendments cleared. `422
    sepa_preflight_failed` lists every failure (invoice and field) and
    stores nothing; nothing due is `409 conflict`.
    """
    box = current_box()
    actor = _actor()
    day = _day(body.date, actor)

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        file_id = collections.make_in(conn, box.config, actor, day)
        return collections.file_out(conn, file_id), 201

    return commit(txn)


@routes.get("/sepa/files", response=m.FileList)
def list_sepa_files() -> dict[str, Any]:
    """The collection files made, newest first

    Each with its message id, who made it and when, the number of debits, the
    control sum in minor units and the SHA-256 of the XML as offered.
    """
    return {"items": collections.files(current_box().db.reader())}


@routes.get("/sepa/files/<file_id>", response=m.File, errors=("not_found",))
def get_sepa_file(file_id: str) -> dict[str, Any]:
    """One collection file with its collections and their states

    Each collection names its invoice, mandate, sequence type (FRST/RCUR),
    amount, collection date and state (pending, confirmed or returned).
    """
    return collections.file_out(current_box().db.reader(), _id(file_id, "SEPA file"))


@routes.get(
    "/sepa/files/<file_id>/xml", content_type="application/xml", errors=("not_found",),
    example='<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:'
    'tech:xsd:pain.008.001.08">…',
)  # fmt: skip
def sepa_file_xml(file_id: str) -> Response:
    """The file as the bank takes it (pain.008.001.08 XML, as stored)

    Byte for byte the XML that passed the pre-flight and the XSD when the file
    was made; upload it to the bank's online banking as a SEPA direct debit.
    """
    row = collections.file_row(current_box().db.reader(), _id(file_id, "SEPA file"))
    resp = Response(bytes(row["xml"]), mimetype="application/xml")
    resp.headers["Content-Disposition"] = f'attachment; filename="{row["message_id"]}.xml"'
    return resp


@routes.post(
    "/sepa/files/<file_id>/confirm", body=m.ConfirmIn, response=m.Confirmed,
    errors=AFTER_ERRORS,
)  # fmt: skip
def confirm_sepa_file(file_id: str, body: m.ConfirmIn) -> Response:
    """The bank collected: book the file's debits paid

    Each pending collection whose date is on or before `date` (default
    today) gets a `sepa` payment and its invoice `collected`; later ones
    stay pending. None due: `409 conflict`.
    """
    box = current_box()
    fid = _id(file_id, "SEPA file")
    actor = _actor()
    day = _day(body.date, actor)
    return commit(lambda conn: (collections.confirm(conn, box.config, actor, fid, day), 200))


@routes.post(
    "/sepa/collections/<collection_id>/return", body=m.ReturnIn, response=m.Returned,
    errors=AFTER_ERRORS,
)  # fmt: skip
def return_sepa_collection(collection_id: str, body: m.ReturnIn) -> Response:
    """Record a returned debit with the bank's reason code

    The invoice reopens (`sepa_state` `returned`; a booked payment is
    reversed), `sepa.return_fee` is charged when above 0, and MD01/MD06
    revoke the mandate. Twice: `409`; a code not like `MD01`: `422`.
    """
    box = current_box()
    cid = _id(collection_id, "SEPA collection")
    actor = _actor()
    reason = body.reason.upper()
    return commit(
        lambda conn: (collections.record_return(conn, box.config, actor, cid, reason), 200)
    )


@routes.get("/customers/<customer_id>/mandates", response=m.MandateList, errors=("not_found",))
def customer_mandates(customer_id: str) -> dict[str, Any]:
    """A customer's SEPA mandates, oldest first, with their status

    The mandate follows the customer's `iban`, `bic`,
    `sepa_mandate_reference` and `sepa_mandate_date`: a changed IBAN or
    reference is an amendment (flagged in the next file), a new reference
    with a new date a new mandate. `expired`: 36 months without collection.
    """
    box = current_box()
    day = box_date(box.config, now_iso())
    return {"items": mandates.mandates_of(box.db.reader(), day, parse_id(customer_id))}


@routes.post(
    "/customers/<customer_id>/mandates/<mandate_id>/revoke", body=m.RevokeIn,
    response=m.Mandate, errors=("not_found", "conflict", "validation_error"),
)  # fmt: skip
def revoke_mandate(customer_id: str, mandate_id: str, body: m.RevokeIn) -> Response:
    """Revoke a mandate: no further collection under it

    Collections already in a file stand. Already revoked: `409`.
    """
    cid = parse_id(customer_id)
    mid = _id(mandate_id, "SEPA mandate")
    actor = _actor()

    def txn(conn: sqlite3.Connection) -> tuple[dict[str, Any], int]:
        if mandates.mandate_row(conn, mid)["customer_id"] != cid:
            raise NotFound(f"customer {cid} has no mandate {mid}")
        mandates.revoke(conn, actor, mid, body.reason)
        return mandates.mandate_out(mandates.mandate_row(conn, mid), box_date(
            current_box().config, actor.at)), 200  # fmt: skip

    return commit(txn)
