"""The bureau's EInvoice XML of an issued fapiao, as this sandbox writes it (element names per
the MOF sample of the 数电票 XML; the connector reads it with its own parser)."""

from decimal import Decimal

from bureau import amount_in_capitals, cents  # pylint: disable=import-error
from lxml import etree

PARTY_FIELDS = (
    ("IdNum", "tax_id"),
    ("Name", "name"),
    ("Addr", "address"),
    ("TelNum", "phone"),
    ("BankName", "bank"),
    ("BankAccNum", "account"),
)


def _sub(parent, tag, text=None):
    node = etree.SubElement(parent, tag)
    if text is not None:
        node.text = str(text)
    return node


def build(invoice):
    """``invoice``: dict with number, kind, blue (bool), issue_time, seller{...}, buyer{...},
    lines[{name, spec, unit, quantity, price, amount, rate, tax, code}], amount, tax, total,
    remark, original_number (red), red_form_number (red). Returns UTF-8 bytes."""
    root = etree.Element("EInvoice")
    header = _sub(root, "Header")
    _sub(header, "EIid", invoice["number"])
    _sub(header, "EInvoiceTag", "SWEI" + invoice["number"][2:4] + "00")
    _sub(header, "Version", "0.35")
    labels = _sub(header, "InherentLabel")
    _sub(_sub(labels, "InIssuType"), "LabelCode", "Y" if invoice["blue"] else "N")
    _sub(_sub(labels, "EInvoiceType"), "LabelCode", "01")
    special = "01" if invoice["kind"] in ("81", "85") else "02"
    _sub(_sub(labels, "GeneralOrSpecialVAT"), "LabelCode", special)
    data = _sub(root, "EInvoiceData")
    for role in ("Seller", "Buyer"):
        block = _sub(data, f"{role}Information")
        party = invoice[role.lower()]
        for suffix, key in PARTY_FIELDS:
            _sub(block, f"{role}{suffix}", party.get(key) or "")
    basic = _sub(data, "BasicInformation")
    _sub(basic, "TotalAmWithoutTax", invoice["amount"])
    _sub(basic, "TotalTaxAm", invoice["tax"])
    _sub(basic, "TotalTax-includedAmount", invoice["total"])
    _sub(basic, "TotalTax-includedAmountInChinese", amount_in_capitals(invoice["total"]))
    _sub(basic, "Drawer", invoice.get("drawer") or "")
    _sub(basic, "RequestTime", invoice["issue_time"])
    for line in invoice["lines"]:
        item = _sub(data, "IssuItemInformation")
        _sub(item, "ItemName", line["name"])
        _sub(item, "SpecMod", line.get("spec") or "")
        _sub(item, "MeaUnits", line.get("unit") or "")
        _sub(item, "Quantity", line.get("quantity") or "")
        _sub(item, "UnPrice", line.get("price") or "")
        _sub(item, "Amount", line["amount"])
        _sub(item, "TaxRate", f"{Decimal(str(line['rate'])):.6f}")
        _sub(item, "ComTaxAm", line["tax"])
        _sub(item, "TotaltaxIncludedAmount", cents(Decimal(line["amount"]) + Decimal(line["tax"])))
        _sub(item, "TaxClassificationCode", line["code"])
    if not invoice["blue"]:
        red = _sub(_sub(data, "SpecificInformation"), "RedEInvoice")
        _sub(red, "OriginalInvoiceCode", invoice.get("original_number") or "")
        _sub(red, "CreditNoteNumber", invoice.get("red_form_number") or "")
    _sub(_sub(data, "AdditionalInformation"), "Remark", invoice.get("remark") or "")
    supervision = _sub(root, "TaxSupervisionInfo")
    _sub(supervision, "InvoiceNumber", invoice["number"])
    _sub(supervision, "IssueTime", invoice["issue_time"])
    _sub(supervision, "TaxBureauCode", "1" + invoice["number"][2:4] + "00000000")
    _sub(supervision, "TaxBureauName", "国家税务总局（沙箱）")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
