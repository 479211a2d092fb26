"""The QWeb preview of a fapiao is a real PDF (wkhtmltopdf) that prints Chinese."""

import io
import re
import unicodedata

from PyPDF2 import PdfReader

from odoo.tests import HttpCase, tagged

from .common import FapiaoCommon

NUMBER = "26312000000000000099"
RADICALS = str.maketrans({"\u2ec6": "角", "\u2ed3": "长", "\u2ec4": "西", "\u2ecb": "车"})


def flat(text):
    """Text without spaces, NFKC-normalized: the CJK font's glyphs extract partly as Kangxi
    radicals (⼦ for 子, which NFKC maps back; ⻆ for 角, which it does not), and full-width
    punctuation becomes ASCII on both sides of a compare."""
    text = unicodedata.normalize("NFKC", text).translate(RADICALS)
    return re.sub(r"\s+", "", text)


@tagged("post_install", "-at_install")
class TestFapiaoReport(FapiaoCommon, HttpCase):
    def render(self, fapiao):
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("tax_gateway.action_report_fapiao", fapiao.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        return flat(text)

    def test_preview_prints_chinese_and_exact_amounts(self):
        move = self.make_invoice([(self.product_apple, 100.0, 12.5)])
        # prepared from the English client, the unit prints in Chinese, as on a fapiao
        prepared = move.with_context(lang="en_US").action_prepare_fapiao()
        fapiao = self.env["tax.fapiao"].browse(prepared["res_id"])
        self.assertEqual(move.invoice_line_ids.product_uom_id, self.env.ref("uom.product_uom_unit"))
        self.assertEqual(fapiao.line_ids.uom_name, "个")
        text = self.render(fapiao)
        for expected in (
            "电子发票（增值税专用发票）",
            "预览",
            "上海果品贸易有限公司",
            "*水果*富士苹果",
            "1,250.00",
            "112.50",
            "1,362.50",
            "壹仟叁佰陆拾贰元伍角",  # 价税合计（大写）
            "9%",
            "合计",
        ):
            self.assertIn(flat(expected), text)
        fapiao._submit()
        fapiao._mark_issued(NUMBER, "2026-11-20 10:00:00", serial="S99")
        issued = self.render(fapiao)
        self.assertIn(NUMBER, issued)
        self.assertNotIn("预览", issued)
        self.assertEqual(fapiao.action_preview()["report_name"], "tax_gateway.report_fapiao")
