"""The sandbox platform's fapiao PDF: its QR code is a standard one, its text is Chinese."""

import io

import pytest
import qrcode
from PyPDF2 import PdfReader
from PyPDF2.generic import ContentStream
from qrcode.util import MODE_8BIT_BYTE, QRData
from sandbox.documents import qr_modules, render_pdf

DOC = {
    "number": "26112000000012345678",
    "kind": "81",
    "blue": True,
    "total": "109.00",
    "amount": "100.00",
    "tax": "9.00",
    "issue_time": "2026-11-30 10:00:00",
    "buyer": {"name": "上海果品贸易有限公司", "tax_id": "91310000MA1FL0001R"},
    "seller": {"name": "北京果品批发有限公司", "tax_id": "91110000600037341L"},
    "lines": [
        {
            "name": "*水果*富士苹果",
            "quantity": "8",
            "price": "12.5",
            "amount": "100.00",
            "rate": "0.09",
            "tax": "9.00",
        }
    ],
    "remark": "",
    "drawer": "王会计",
}


@pytest.mark.parametrize(
    "text",
    [
        "01,81,,26112000000012345678,109.00,2026-11-30",
        "01,82,,26112000000099999999,1234567.89,2026-12-31",
    ],
)
def test_qr_code_is_the_standard_encoding(text):
    """Same modules as the reference library gives in byte mode, error correction M, mask 0."""
    reference = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0, border=0
    )
    reference.add_data(QRData(text.encode(), mode=MODE_8BIT_BYTE))
    reference.make(fit=True)
    assert qr_modules(text) == reference.get_matrix()


def shown_text(pdf):
    """The strings drawn on the pages. The Chinese CID font (UniGB-UCS2-H) encodes them in
    UCS-2, which PyPDF2's text extraction does not decode."""
    reader = PdfReader(io.BytesIO(pdf))
    return [
        operands[0].original_bytes.decode("utf-16-be")
        for page in reader.pages
        for operands, operator in ContentStream(page.get_contents(), reader).operations
        if operator == b"Tj"
    ]


def test_pdf_has_the_fapiao_in_chinese():
    text = "\n".join(shown_text(render_pdf(DOC)))
    for expected in (
        "电子发票（增值税专用发票）",
        f"发票号码：{DOC['number']}",
        "名称：上海果品贸易有限公司",
        "价税合计（大写）壹佰零玖元整",
        "开票人：王会计",
    ):
        assert expected in text
