"""The file, read back with plain lxml xpath: numbers, batches, amendments,
transliteration, and the XSD as the last gate."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.sepa import pain008
from edge.sepa.calendar import is_target2_business_day
from edge.sepa.charset import is_sepa_text, transliterate
from edge.sepa.model import Amendment, PostalAddress, PreflightFailed
from tests.edge.sepa.samples import (
    CREDITOR,
    MADE,
    NOTICE_DAYS,
    NS,
    cents,
    debit,
    parse,
    texts,
)


def build(debits: list, message_id: str = "TE-20270104-0001") -> pain008.CollectionFile:  # type: ignore[type-arg]
    return pain008.build(CREDITOR, debits, message_id, MADE, prenotification_days=NOTICE_DAYS)


def test_frst_and_rcur_make_two_payment_blocks_with_their_sums() -> None:
    rcur = debit(2, sequence="RCUR", mandate_last_collected_on=date(2026, 12, 1))
    made = build([debit(1), rcur, debit(3)])
    doc = parse(made.xml)
    assert doc.tag == "{urn:iso:std:iso:20022:tech:xsd:pain.008.001.08}Document"
    assert texts(doc, "//p:GrpHdr/p:NbOfTxs") == ["3"]
    assert texts(doc, "//p:GrpHdr/p:CtrlSum") == ["71.40"]  # 11.90 + 23.80 + 35.70
    assert texts(doc, "//p:PmtInf/p:PmtTpInf/p:SeqTp") == ["FRST", "RCUR"]
    assert texts(doc, "//p:PmtInf/p:CtrlSum") == ["47.60", "23.80"]
    assert texts(doc, "//p:PmtInf/p:NbOfTxs") == ["2", "1"]
    assert texts(doc, "//p:PmtInf[p:PmtTpInf/p:SeqTp='RCUR']//p:EndToEndId") == ["RE-2027-00002"]
    assert [(b.sequence, b.count, b.control_sum) for b in made.batches] == [
        ("FRST", 2, 4760),
        ("RCUR", 1, 2380),
    ]
    assert (made.count, made.control_sum) == (3, 7140)


def test_one_block_per_collection_date() -> None:
    later = debit(2, collection_date=date(2027, 1, 25))
    doc = parse(build([later, debit(1)]).xml)
    assert texts(doc, "//p:PmtInf/p:ReqdColltnDt") == ["2027-01-18", "2027-01-25"]
    assert texts(doc, "//p:PmtInf/p:PmtInfId") == ["TE-20270104-0001-1", "TE-20270104-0001-2"]


def test_the_fixed_parts_of_a_core_direct_debit() -> None:
    doc = parse(build([debit(1)]).xml)
    pmt = "//p:PmtInf"
    assert texts(doc, f"{pmt}/p:PmtMtd") == ["DD"]
    assert texts(doc, f"{pmt}/p:BtchBookg") == ["true"]
    assert texts(doc, f"{pmt}/p:PmtTpInf/p:SvcLvl/p:Cd") == ["SEPA"]
    assert texts(doc, f"{pmt}/p:PmtTpInf/p:LclInstrm/p:Cd") == ["CORE"]
    assert texts(doc, f"{pmt}/p:CdtrSchmeId//p:Othr/p:Id") == ["DE98ZZZ09999999999"]
    assert texts(doc, f"{pmt}/p:CdtrSchmeId//p:SchmeNm/p:Prtry") == ["SEPA"]
    assert texts(doc, f"{pmt}/p:CdtrAgt//p:BICFI") == ["BYLADEM1001"]
    assert texts(doc, "//p:GrpHdr/p:CreDtTm") == ["2027-01-04T09:30:00"]
    assert doc.xpath("//p:InstdAmt/@Ccy", namespaces=NS) == ["EUR"]
    assert texts(doc, "//p:MndtRltdInf/p:AmdmntInd") == ["false"]
    assert texts(doc, "//p:MndtRltdInf/p:DtOfSgntr") == ["2026-06-01"]


def test_structured_addresses_and_transliterated_text() -> None:
    doc = parse(build([debit(1, debtor_name="Jörg Müller & Söhne " + "x" * 80)]).xml)
    cdtr = "//p:Cdtr/p:PstlAdr"
    assert texts(doc, f"{cdtr}/p:StrtNm") == ["Grosse Strasse"]
    assert texts(doc, f"{cdtr}/p:BldgNb") == ["12a"]
    assert texts(doc, f"{cdtr}/p:PstCd") == ["20095"]
    assert texts(doc, f"{cdtr}/p:TwnNm") == ["Hamburg"]
    assert texts(doc, f"{cdtr}/p:Ctry") == ["DE"]
    assert texts(doc, "//p:Cdtr/p:Nm") == ["Cafe Nord GmbH"]
    (name,) = texts(doc, "//p:Dbtr/p:Nm")
    assert name.startswith("Joerg Mueller und Soehne x") and len(name) == 70
    assert texts(doc, "//p:Dbtr/p:PstlAdr/p:TwnNm") == ["Koeln"]


def test_remittance_is_cut_at_140() -> None:
    doc = parse(build([debit(1, remittance="Ü" * 100)]).xml)
    assert texts(doc, "//p:RmtInf/p:Ustrd") == ["Ue" * 70]


def test_a_debtor_without_bic() -> None:
    doc = parse(build([debit(1, debtor_bic=None)]).xml)
    assert texts(doc, "//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id") == ["NOTPROVIDED"]
    assert doc.xpath("//p:DbtrAgt//p:BICFI", namespaces=NS) == []


def test_an_amendment_is_flagged_with_the_originals() -> None:
    changed = Amendment(original_mandate_reference="ALT-7", original_iban="DE02120300000000202051")
    moved = debit(2, amendment=Amendment(other_bank=True))
    doc = parse(build([debit(1, amendment=changed), moved]).xml)
    assert texts(doc, "//p:MndtRltdInf/p:AmdmntInd") == ["true", "true"]
    details = "//p:AmdmntInfDtls"
    assert texts(doc, f"{details}/p:OrgnlMndtId") == ["ALT-7"]
    assert texts(doc, f"{details}/p:OrgnlDbtrAcct/p:Id/p:IBAN") == ["DE02120300000000202051"]
    assert texts(doc, f"{details}/p:OrgnlDbtrAgt/p:FinInstnId/p:Othr/p:Id") == ["SMNDA"]


def test_preflight_failures_raise_and_name_everything() -> None:
    bad = debit(2, debtor_iban="DE89370400440532013001", mandate_reference="Ä&")
    with pytest.raises(PreflightFailed) as caught:
        build([debit(1), bad], message_id="")
    err = caught.value
    assert err.code == "sepa_preflight_failed"
    assert {(f.invoice_number, f.field) for f in err.failures} == {
        ("", "message_id"),
        ("RE-2027-00002", "debtor_iban"),
        ("RE-2027-00002", "mandate_reference"),
    }
    assert {"field": "RE-2027-00002.debtor_iban", "message": "not a valid IBAN (check digits)"} in (
        err.errors
    )


def test_a_corrupted_file_fails_the_xsd() -> None:
    good = build([debit(1)]).xml
    pain008.validate(good)
    for corrupt in (
        good.replace(b"<PmtMtd>DD</PmtMtd>", b"<PmtMtd>XX</PmtMtd>"),
        good.replace(b"<Ctry>DE</Ctry>", b"<Ctry>Deutschland</Ctry>"),
        good.replace(b"<NbOfTxs>1</NbOfTxs>", b"<NbOfTxs>eins</NbOfTxs>"),
        good.replace(b"pain.008.001.08", b"pain.008.001.02"),
        good.replace(b'Ccy="EUR">11.90', b'Ccy="EUR">11.901234'),
        good[:-40],
    ):
        with pytest.raises(PreflightFailed) as caught:
            pain008.validate(corrupt)
        assert {f.field for f in caught.value.failures} == {"xml"}


def test_the_same_input_gives_the_same_bytes() -> None:
    assert build([debit(1), debit(2)]).xml == build([debit(1), debit(2)]).xml


# -- properties -------------------------------------------------------------

_names = st.text(min_size=1, max_size=120).filter(lambda s: transliterate(s) != "")
_debits = st.lists(
    st.tuples(
        st.integers(1, 99_999_999_999),
        st.sampled_from(["FRST", "RCUR"]),
        st.integers(0, 30),  # days after the earliest date
        _names,
        st.text(max_size=300),
        st.booleans(),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None, database=None)
@given(_debits)
def test_any_valid_input_passes_the_xsd_and_the_sums_add_up(rows: list) -> None:  # type: ignore[type-arg]
    debits = []
    for n, (amount, seq, offset, name, remittance, bic) in enumerate(rows, start=1):
        day = date(2027, 1, 18) + timedelta(days=offset)
        if not is_target2_business_day(day):
            day += timedelta(days=7 - day.weekday())  # the next Monday (no holiday there)
        last = date(2026, 12, 1) if seq == "RCUR" else None
        debits.append(
            debit(
                n,
                amount=amount,
                sequence=seq,
                collection_date=day,
                debtor_name=name,
                remittance=remittance,
                debtor_bic="COBADEFFXXX" if bic else None,
                mandate_last_collected_on=last,
                debtor_address=PostalAddress(name[:40] + "x", "DE"),
            )
        )
    made = build(debits)
    doc = parse(made.xml)  # build() already validated; read it back independently
    amounts = [cents(t) for t in texts(doc, "//p:DrctDbtTxInf/p:InstdAmt")]
    assert amounts == [d.amount for d in sorted(debits, key=lambda d: (
        d.collection_date, d.sequence))]  # fmt: skip
    assert cents(texts(doc, "//p:GrpHdr/p:CtrlSum")[0]) == sum(amounts) == made.control_sum
    blocks = doc.xpath("//p:PmtInf", namespaces=NS)
    assert (
        len(blocks) == len({(d.sequence, d.collection_date) for d in debits}) == len(made.batches)
    )
    for block, batch in zip(blocks, made.batches, strict=True):
        inner = [cents(t) for t in block.xpath(".//p:InstdAmt/text()", namespaces=NS)]
        assert cents(block.xpath("p:CtrlSum/text()", namespaces=NS)[0]) == sum(inner)
        assert batch.control_sum == sum(inner) and batch.count == len(inner)
    for text in texts(doc, "//p:Nm") + texts(doc, "//p:Ustrd") + texts(doc, "//p:TwnNm"):
        assert is_sepa_text(text)
    assert dataclasses.asdict(made.batches[0])["count"] >= 1
