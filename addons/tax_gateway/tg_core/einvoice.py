"""The bureau's EInvoice XML (element names per the MOF sample, brief §1.3): build and parse.

The platform produces this document; the sandbox builds it with ``build()`` and Odoo's archive
reads it back with ``parse()`` to check number and totals against the record. One module, so the
two sides cannot drift apart.
"""

from decimal import Decimal

from lxml import etree

from .money import amount_in_words, cents

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
    _sub(basic, "TotalTax-includedAmountInChinese", amount_in_words(invoice["total"]))
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
