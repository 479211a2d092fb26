"""The fapiao PDF as the platform renders it (reportlab, built-in Chinese CID font, QR code)."""

import io

from bureau import amount_in_capitals  # pylint: disable=import-error
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.pagesizes import A5, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
TITLES = {
    "81": "电子发票（增值税专用发票）",
    "82": "电子发票（普通发票）",
    "83": "电子发票（机动车销售统一发票）",
    "agri": "电子发票（普通发票）农产品收购",
}


def render_pdf(doc):
    buffer = io.BytesIO()
    width, height = landscape(A5)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"{doc['number']}")
    pdf.setFont(FONT, 16)
    title = TITLES.get(doc["kind"], TITLES["82"]) + ("" if doc["blue"] else "（红字）")
    pdf.drawCentredString(width / 2, height - 40, title)
    draw_qr(
        pdf,
        f"01,{doc['kind']},,{doc['number']},{doc['total']},{doc['issue_time'][:10]}",
        x=20,
        y=height - 80,
        size=60,
    )
    pdf.setFont(FONT, 9)
    pdf.drawString(width - 220, height - 60, f"发票号码：{doc['number']}")
    pdf.drawString(width - 220, height - 74, f"开票日期：{doc['issue_time'][:10]}")
    y = height - 110
    for label, party in (("购买方", doc["buyer"]), ("销售方", doc["seller"])):
        pdf.drawString(
            30,
            y,
            f"{label}  名称：{party['name']}    统一社会信用代码/纳税人识别号：{party['tax_id']}",
        )
        y -= 16
    y -= 6
    pdf.drawString(30, y, "项目名称")
    for x, head in (
        (220, "规格型号"),
        (290, "单位"),
        (330, "数量"),
        (380, "单价"),
        (440, "金额"),
        (500, "税率"),
        (540, "税额"),
    ):
        pdf.drawString(x, y, head)
    for line in doc["lines"]:
        y -= 14
        pdf.drawString(30, y, str(line["name"])[:24])
        pdf.drawString(220, y, str(line.get("spec") or ""))
        pdf.drawString(290, y, str(line.get("unit") or ""))
        pdf.drawString(330, y, str(line.get("quantity") or ""))
        pdf.drawString(380, y, str(line.get("price") or ""))
        pdf.drawString(440, y, str(line["amount"]))
        pdf.drawString(500, y, f"{float(line['rate']) * 100:g}%")
        pdf.drawString(540, y, str(line["tax"]))
    y -= 22
    pdf.drawString(30, y, f"合计  金额 ¥{doc['amount']}  税额 ¥{doc['tax']}")
    y -= 16
    words = amount_in_capitals(doc["total"])
    pdf.drawString(30, y, f"价税合计（大写）{words}    （小写）¥{doc['total']}")
    y -= 16
    pdf.drawString(30, y, f"备注：{doc.get('remark') or ''}")
    pdf.drawString(30, 24, f"开票人：{doc.get('drawer') or ''}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def qr_modules(text):
    """The QR code of ``text`` as rows of booleans (dark = True), error correction level M.
    reportlab's encoder tries the 8 mask patterns for the one easiest to scan, which took most
    of the time of a whole fapiao PDF; any mask pattern decodes (ISO/IEC 18004 records it in
    the format information), so the sandbox uses the first."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.version = code.calculate_version()
    code.makeImpl(False, 0)
    return [list(map(bool, row)) for row in code.modules]


def draw_qr(pdf, text, x, y, size, border=2):
    """The QR code as one filled path of its dark runs (reportlab's QR widget makes a shape of
    each run, several times slower)."""
    modules = qr_modules(text)
    count = len(modules)
    box = size / (count + 2 * border)
    path = pdf.beginPath()
    for row, dark in enumerate(modules):
        top = y + size - (row + border + 1) * box
        column = 0
        while column < count:
            if not dark[column]:
                column += 1
                continue
            start = column
            while column < count and dark[column]:
                column += 1
            path.rect(x + (start + border) * box, top, (column - start) * box, box)
    pdf.drawPath(path, stroke=0, fill=1)
