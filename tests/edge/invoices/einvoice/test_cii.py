"""What the CII XML says: each EN 16931 business term the document carries,
in the places and formats the rules read (amounts with 2 decimals from minor
units, quantities from thousandths)."""

from __future__ import annotations

from lxml import etree

from edge.invoices.einvoice.cii import build_xml
from tests.edge.invoices.einvoice import samples

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"


def tree(doc: object) -> etree._Element:
    return etree.fromstring(build_xml(doc))  # type: ignore[arg-type]


def texts(root: etree._Element, path: str) -> list[str]:
    return [str(x).strip() for x in root.xpath(path, namespaces=NS)]


def one(root: etree._Element, path: str) -> str:
    found = texts(root, path)
    assert len(found) == 1, (path, found)
    return found[0]


def test_an_invoice_is_380_with_the_en16931_guideline_and_its_dates() -> None:
    x = tree(samples.invoice())
    assert one(x, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID/text()") == (
        "urn:cen.eu:en16931:2017"
    )
    assert one(x, "//rsm:ExchangedDocument/ram:TypeCode/text()") == "380"
    assert one(x, "//rsm:ExchangedDocument/ram:ID/text()") == "RE-2026-00017"
    assert one(x, "//ram:IssueDateTime/udt:DateTimeString/text()") == "20261204"
    assert one(x, "//ram:IssueDateTime/udt:DateTimeString/@format") == "102"
    assert one(x, "//ram:ActualDeliverySupplyChainEvent//udt:DateTimeString/text()") == "20261203"
    assert texts(x, "//rsm:ExchangedDocument/ram:IncludedNote/ram:Content/text()") == [
        "Vielen Dank für Ihren Auftrag."
    ]


def test_a_credit_note_is_381_and_names_the_invoice_it_corrects() -> None:
    x = tree(samples.credit_note())
    assert one(x, "//rsm:ExchangedDocument/ram:TypeCode/text()") == "381"
    path = f"{SETTLEMENT}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()"
    assert one(x, path) == "RE-2026-00017"


def test_amounts_have_two_decimals_and_quantities_come_from_thousandths() -> None:
    x = tree(samples.invoice())
    assert texts(x, "//ram:BilledQuantity/text()") == ["2.000", "2.500", "3.000"]
    assert texts(x, "//ram:BilledQuantity/@unitCode") == ["H87"] * 3
    assert texts(x, "//ram:NetPriceProductTradePrice/ram:ChargeAmount/text()") == [
        "12.50",
        "4.00",
        "2.10",
    ]
    assert texts(x, "//ram:SpecifiedTradeSettlementLineMonetarySummation/*/text()") == [
        "25.00",
        "10.00",
        "6.30",
    ]
    m = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    assert one(x, f"{m}/ram:LineTotalAmount/text()") == "41.30"
    assert one(x, f"{m}/ram:TaxBasisTotalAmount/text()") == "41.30"
    assert one(x, f"{m}/ram:TaxTotalAmount/text()") == "7.09"
    assert one(x, f"{m}/ram:TaxTotalAmount/@currencyID") == "EUR"
    assert one(x, f"{m}/ram:GrandTotalAmount/text()") == "48.39"
    assert one(x, f"{m}/ram:DuePayableAmount/text()") == "48.39"
    rows = f"{SETTLEMENT}/ram:ApplicableTradeTax"
    assert texts(x, f"{rows}/ram:RateApplicablePercent/text()") == ["19.00", "7.00"]
    assert texts(x, f"{rows}/ram:BasisAmount/text()") == ["35.00", "6.30"]
    assert texts(x, f"{rows}/ram:CalculatedAmount/text()") == ["6.65", "0.44"]


def test_seller_vat_id_and_tax_number_and_the_buyer() -> None:
    x = tree(samples.invoice())
    seller = "//ram:SellerTradeParty"
    assert texts(x, f"{seller}/ram:SpecifiedTaxRegistration/ram:ID/@schemeID") == ["VA", "FC"]
    assert texts(x, f"{seller}/ram:SpecifiedTaxRegistration/ram:ID/text()") == [
        "DE123456789",
        "22/815/08150",
    ]
    assert one(x, f"{seller}/ram:PostalTradeAddress/ram:CountryID/text()") == "DE"
    buyer = "//ram:BuyerTradeParty"
    assert one(x, f"{buyer}/ram:ID/text()") == "10042"
    assert one(x, f"{buyer}/ram:Name/text()") == "Müller Catering KG"
    assert one(x, f"{buyer}/ram:DefinedTradeContact/ram:PersonName/text()") == "Eva Müller"
    assert one(x, f"{buyer}/ram:PostalTradeAddress/ram:LineTwo/text()") == "Hinterhaus"


def test_payment_terms_and_due_date() -> None:
    x = tree(samples.invoice())
    terms = f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms"
    assert one(x, f"{terms}/ram:Description/text()") == "Zahlbar bis 03.01.2027 ohne Abzug"
    assert one(x, f"{terms}/ram:DueDateDateTime/udt:DateTimeString/text()") == "20270103"
    assert one(x, f"{SETTLEMENT}/ram:PaymentReference/text()") == "RE-2026-00017"
    assert texts(x, f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans") == []
    assert texts(x, f"{terms}/ram:DirectDebitMandateID") == []


def test_reverse_charge_is_category_ae_with_the_reason_and_both_vat_ids() -> None:
    x = tree(samples.reverse_charge())
    line_tax = "//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"
    assert one(x, f"{line_tax}/ram:CategoryCode/text()") == "AE"
    assert one(x, f"{line_tax}/ram:RateApplicablePercent/text()") == "0.00"
    row = f"{SETTLEMENT}/ram:ApplicableTradeTax"
    assert one(x, f"{row}/ram:CategoryCode/text()") == "AE"
    assert one(x, f"{row}/ram:CalculatedAmount/text()") == "0.00"
    assert one(x, f"{row}/ram:ExemptionReason/text()") == samples.REVERSE_CHARGE
    assert one(x, f"{row}/ram:ExemptionReasonCode/text()") == "VATEX-EU-AE"
    vat_ids = "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']/text()"
    assert one(x, f"//ram:SellerTradeParty/{vat_ids}") == "DE123456789"
    assert one(x, f"//ram:BuyerTradeParty/{vat_ids}") == "NL859048705B01"


def test_sepa_pre_notification_fields() -> None:
    x = tree(samples.sepa())
    assert one(x, f"{SETTLEMENT}/ram:CreditorReferenceID/text()") == "DE98ZZZ09999999999"
    means = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
    assert one(x, f"{means}/ram:TypeCode/text()") == "59"
    assert one(x, f"{means}/ram:PayerPartyDebtorFinancialAccount/ram:IBANID/text()") == (
        "DE02120300000000202051"
    )
    terms = f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms"
    assert one(x, f"{terms}/ram:DirectDebitMandateID/text()") == "MANDAT-10042-1"
    assert one(x, f"{terms}/ram:DueDateDateTime/udt:DateTimeString/text()") == "20270105"


def test_prepaid_amount_is_written_when_there_is_one() -> None:
    x = tree(samples.invoice(prepaid=1000, due=3839))
    m = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    assert one(x, f"{m}/ram:TotalPrepaidAmount/text()") == "10.00"
    assert one(x, f"{m}/ram:DuePayableAmount/text()") == "38.39"
