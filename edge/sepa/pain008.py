"""The ISO 20022 ``pain.008.001.08`` customer direct debit initiation
(BACKOFFICE §10), built with lxml and validated against the official XSD
(vendored in ``schemas/``) before it is returned: a file that fails the
pre-flight or the schema raises ``PreflightFailed`` and is never offered.

One payment-information block per (sequence type, collection date), batches
ordered by date then FRST before RCUR, debits in the order given. Pure and
deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from lxml import etree

from edge.sepa.charset import cut, transliterate
from edge.sepa.identifiers import compact
from edge.sepa.model import (
    Batch,
    CollectionFile,
    Creditor,
    DirectDebit,
    Failure,
    PostalAddress,
    PreflightFailed,
)
from edge.sepa.model import Sequence as SeqType
from edge.sepa.preflight import check

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"
SCHEMA = Path(__file__).with_name("schemas") / "pain.008.001.08.xsd"
_NS = f"{{{NAMESPACE}}}"
_SEQUENCE_ORDER = {"FRST": 0, "RCUR": 1}


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def validate(xml: bytes) -> None:
    """Raise ``PreflightFailed`` (field ``xml``) unless ``xml`` is a
    pain.008.001.08 document the XSD accepts."""
    try:
        doc = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as e:
        raise PreflightFailed([Failure("", "xml", f"not well-formed XML: {e}")]) from None
    schema = _schema()
    if not schema.validate(doc):
        errors = [Failure("", "xml", f"line {e.line}: {e.message}") for e in schema.error_log]
        raise PreflightFailed(errors[:20] or [Failure("", "xml", "invalid")])


def euros(cents: int) -> str:
    """Minor units as the file's decimal amount: 1234 → "12.34"."""
    return f"{cents // 100}.{cents % 100:02d}"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, _NS + tag, attrs)
    if text is not None:
        el.text = text
    return el


def _path(parent: etree._Element, tags: str, text: str) -> etree._Element:
    """``A/B/C`` under ``parent``, the last one carrying ``text``."""
    *outer, last = tags.split("/")
    for tag in outer:
        parent = _el(parent, tag)
    return _el(parent, last, text)


def _address(parent: etree._Element, address: PostalAddress) -> None:
    # PostalAddress24's order; town and country always, the rest when known.
    adr = _el(parent, "PstlAdr")
    for tag, value in (
        ("StrtNm", cut(address.street, 70)),
        ("BldgNb", transliterate(address.building)),
        ("PstCd", transliterate(address.postcode)),
        ("TwnNm", cut(address.town, 35)),
        ("Ctry", address.country),
    ):
        if value:
            _el(adr, tag, value)


def _party(parent: etree._Element, tag: str, name: str, address: PostalAddress) -> None:
    party = _el(parent, tag)
    _el(party, "Nm", cut(name, 70))
    _address(party, address)


def _agent(parent: etree._Element, tag: str, bic: str | None) -> None:
    fin = _el(_el(parent, tag), "FinInstnId")
    if bic:
        _el(fin, "BICFI", compact(bic))
    else:
        _path(fin, "Othr/Id", "NOTPROVIDED")


def _transaction(pmt: etree._Element, debit: DirectDebit) -> None:
    tx = _el(pmt, "DrctDbtTxInf")
    _path(tx, "PmtId/EndToEndId", debit.end_to_end_id)
    _el(tx, "InstdAmt", euros(debit.amount), Ccy="EUR")
    mandate = _el(_el(tx, "DrctDbtTx"), "MndtRltdInf")
    _el(mandate, "MndtId", debit.mandate_reference)
    _el(mandate, "DtOfSgntr", debit.mandate_signed_on.isoformat())
    amendment = debit.amendment
    _el(mandate, "AmdmntInd", "true" if amendment else "false")
    if amendment:
        details = _el(mandate, "AmdmntInfDtls")
        if amendment.original_mandate_reference:
            _el(details, "OrgnlMndtId", amendment.original_mandate_reference)
        if amendment.original_iban:
            _path(details, "OrgnlDbtrAcct/Id/IBAN", compact(amendment.original_iban))
        if amendment.other_bank:
            # EPC: a change of the debtor's bank is flagged, not named.
            _path(details, "OrgnlDbtrAgt/FinInstnId/Othr/Id", "SMNDA")
    _agent(tx, "DbtrAgt", debit.debtor_bic)
    _party(tx, "Dbtr", debit.debtor_name, debit.debtor_address)
    _path(tx, "DbtrAcct/Id/IBAN", compact(debit.debtor_iban))
    remittance = cut(debit.remittance, 140)
    if remittance:
        _path(tx, "RmtInf/Ustrd", remittance)


def _payment(
    root: etree._Element,
    pmt_id: str,
    creditor: Creditor,
    sequence: SeqType,
    collection_date: date,
    debits: Sequence[DirectDebit],
) -> Batch:
    batch = Batch(sequence, collection_date, len(debits), sum(d.amount for d in debits))
    pmt = _el(root, "PmtInf")
    _el(pmt, "PmtInfId", pmt_id)
    _el(pmt, "PmtMtd", "DD")
    _el(pmt, "BtchBookg", "true")
    _el(pmt, "NbOfTxs", str(batch.count))
    _el(pmt, "CtrlSum", euros(batch.control_sum))
    kind = _el(pmt, "PmtTpInf")
    _path(kind, "SvcLvl/Cd", "SEPA")
    _path(kind, "LclInstrm/Cd", "CORE")
    _el(kind, "SeqTp", sequence)
    _el(pmt, "ReqdColltnDt", collection_date.isoformat())
    _party(pmt, "Cdtr", creditor.name, creditor.address)
    _path(pmt, "CdtrAcct/Id/IBAN", compact(creditor.iban))
    _agent(pmt, "CdtrAgt", creditor.bic)
    _el(pmt, "ChrgBr", "SLEV")
    other = _el(_el(_el(_el(pmt, "CdtrSchmeId"), "Id"), "PrvtId"), "Othr")
    _el(other, "Id", compact(creditor.creditor_id))
    _path(other, "SchmeNm/Prtry", "SEPA")
    for debit in debits:
        _transaction(pmt, debit)
    return batch


def _message_id_failures(message_id: str) -> list[Failure]:
    if not (0 < len(message_id) <= 35 and transliterate(message_id) == message_id):
        return [Failure("", "message_id", "1-35 characters of the SEPA set, no outer spaces")]
    return []


def build(
    creditor: Creditor,
    debits: Iterable[DirectDebit],
    message_id: str,
    created_at: datetime,
    *,
    prenotification_days: int,
) -> CollectionFile:
    """The collection file of ``debits`` made at ``created_at``; raises
    ``PreflightFailed`` with every failure, or when the XSD refuses the XML."""
    debits = list(debits)
    failures = _message_id_failures(message_id) + check(
        creditor, debits, created_at.date(), prenotification_days
    )
    if failures:
        raise PreflightFailed(failures)
    groups: dict[tuple[date, SeqType], list[DirectDebit]] = {}
    for debit in debits:
        groups.setdefault((debit.collection_date, debit.sequence), []).append(debit)
    keys = sorted(groups, key=lambda k: (k[0], _SEQUENCE_ORDER[k[1]]))

    document = etree.Element(_NS + "Document", nsmap={None: NAMESPACE})
    root = _el(document, "CstmrDrctDbtInitn")
    header = _el(root, "GrpHdr")
    _el(header, "MsgId", message_id)
    _el(header, "CreDtTm", created_at.replace(microsecond=0).isoformat())
    _el(header, "NbOfTxs", str(len(debits)))
    _el(header, "CtrlSum", euros(sum(d.amount for d in debits)))
    _path(header, "InitgPty/Nm", cut(creditor.name, 70))
    batches = tuple(
        _payment(root, f"{message_id[:25]}-{n}", creditor, seq, day, groups[(day, seq)])
        for n, (day, seq) in enumerate(keys, start=1)
    )
    xml = etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(xml)
    return CollectionFile(
        message_id=message_id,
        created_at=created_at,
        xml=xml,
        batches=batches,
        count=len(debits),
        control_sum=sum(b.control_sum for b in batches),
    )
