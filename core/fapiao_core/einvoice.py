"""The bureau's EInvoice XML (element names per the MOF sample of the 数电票 XML): parse.

The platform produces this document; Odoo's archive reads it back with ``parse()`` to check
number and totals against the record. The sandbox writes it with code of its own
(``sandbox/einvoice_xml.py``), so that the two sides check each other.
"""

from decimal import Decimal

from lxml import etree


def parse(xml_bytes):
    """Number, direction, totals and lines of an EInvoice XML, amounts as Decimal."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(xml_bytes, parser=parser)

    def text(path):
        node = root.find(path)
        return node.text if node is not None and node.text is not None else ""

    lines = [
        {
            "name": item.findtext("ItemName") or "",
            "amount": Decimal(item.findtext("Amount")),
            "rate": Decimal(item.findtext("TaxRate")),
            "tax": Decimal(item.findtext("ComTaxAm")),
            "code": item.findtext("TaxClassificationCode") or "",
        }
        for item in root.iterfind("EInvoiceData/IssuItemInformation")
    ]
    return {
        "number": text("Header/EIid"),
        "blue": text("Header/InherentLabel/InIssuType/LabelCode") == "Y",
        "special": text("Header/InherentLabel/GeneralOrSpecialVAT/LabelCode") == "01",
        "seller_tax_id": text("EInvoiceData/SellerInformation/SellerIdNum"),
        "buyer_tax_id": text("EInvoiceData/BuyerInformation/BuyerIdNum"),
        "amount": Decimal(text("EInvoiceData/BasicInformation/TotalAmWithoutTax")),
        "tax": Decimal(text("EInvoiceData/BasicInformation/TotalTaxAm")),
        "total": Decimal(text("EInvoiceData/BasicInformation/TotalTax-includedAmount")),
        "issue_time": text("TaxSupervisionInfo/IssueTime"),
        "original_number": text("EInvoiceData/SpecificInformation/RedEInvoice/OriginalInvoiceCode"),
        "lines": lines,
    }
