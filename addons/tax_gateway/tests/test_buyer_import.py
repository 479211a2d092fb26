"""The customer tax-ID library from a file: a report first, then the import behind the password."""

import base64

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import FapiaoCommon, WebClientMixin

CSV = (
    "购方名称,纳税人识别号,地址电话,开户行及账号,邮箱,发票类型\n"
    # known (FapiaoCommon's buyer): a new bank account, asked for 普票 now
    "上海果品贸易有限公司,91310000MA1FL0001R,,工商银行上海分行 1001000000001,,普票\n"
    "南京果缘餐饮管理有限公司,91320100MA1N2P3Q43,南京市玄武区中山路1号 025-1234567,,"
    "nj@guoyuan.example.com,专票\n"  # added
    "错号公司,91320100MA1N2P3Q44,,,,\n"  # refused: check character
    "票种不明公司,91110000600037341L,,,,卷票\n"  # refused: fapiao type
).encode()


@tagged("post_install", "-at_install")
class TestBuyerImport(WebClientMixin, FapiaoCommon, HttpCase):
    def wizard(self, content=CSV, user=None):
        env = self.env(user=user) if user else self.env
        return env["tax.buyer.import"].create(
            {"file": base64.b64encode(content), "filename": "buyers.csv"}
        )

    def partners(self, tax_id):
        return self.env["res.partner"].search(
            [("vat", "=", tax_id), ("company_id", "in", [False, self.company.id])]
        )

    def test_check_then_import_behind_the_identity_check(self):
        # importing customers also takes Odoo's right to create and edit contacts
        self.manager.groups_id |= self.env.ref("base.group_partner_manager")
        wizard = self.wizard(user=self.manager)
        wizard.action_check()
        self.assertEqual(
            (wizard.added_count, wizard.changed_count, wizard.unchanged_count),
            (1, 1, 0),
        )
        self.assertEqual(wizard.refused_count, 2)
        self.assertIn("check character", wizard.report)
        self.assertIn("卷票", wizard.report)
        self.assertIn("工商银行上海分行 1001000000001", wizard.report)
        self.assertFalse(self.partners("91320100MA1N2P3Q43"))  # Check changes nothing
        self.assertFalse(self.buyer.fapiao_bank_account == "工商银行上海分行 1001000000001")
        self.authenticate(self.manager.login, self.manager.login)
        action = self.click(wizard, "action_import")
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        self.assertFalse(self.partners("91320100MA1N2P3Q43"))
        self.answer(action["res_id"], self.manager.login)
        added = self.partners("91320100MA1N2P3Q43")
        self.assertEqual(
            (added.name, added.is_company, added.fapiao_kind, added.email),
            ("南京果缘餐饮管理有限公司", True, "81", "nj@guoyuan.example.com"),
        )
        self.assertEqual(added.fapiao_address_phone, "南京市玄武区中山路1号 025-1234567")
        self.buyer.invalidate_recordset()
        self.assertEqual(
            (self.buyer.fapiao_bank_account, self.buyer.fapiao_kind),
            ("工商银行上海分行 1001000000001", "82"),
        )
        # kept: the address the file left empty
        self.assertEqual(self.buyer.fapiao_address_phone, "上海市黄浦区中山东一路1号 021-66666666")
        again = self.wizard(user=self.manager)
        again.action_check()
        self.assertEqual((again.added_count, again.changed_count, again.unchanged_count), (0, 0, 2))

    def test_refusals(self):
        with self.assertRaisesRegex(UserError, "No header row with a name column"):
            self.wizard("名称,地址\n甲,乙\n".encode()).action_check()
        clerk = self.env["res.users"].create(
            {
                "name": "开票员",
                "login": "clerk_buyer_import",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "groups_id": [(6, 0, [self.env.ref("tax_gateway.group_fapiao_issuer").id])],
            }
        )
        with self.assertRaises(AccessError):  # a clerk cannot even open the wizard
            self.wizard(user=clerk)
