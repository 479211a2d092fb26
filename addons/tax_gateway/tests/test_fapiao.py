from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import FapiaoCommon, new_role_user

NUMBER = "26312000000000000001"


@tagged("post_install", "-at_install")
class TestFapiao(FapiaoCommon):
    def prepare(self, move=None):
        move = move or self.make_invoice()
        action = move.action_prepare_fapiao()
        return move, self.env["tax.fapiao"].browse(action["res_id"])

    def test_prepare_from_invoice(self):
        move, fapiao = self.prepare(
            self.make_invoice([(self.product_apple, 3.0, 10.1), (self.product_car, 1.0, 150000.0)])
        )
        self.assertEqual(fapiao.state, "draft")
        self.assertEqual(fapiao.kind, "81")  # the buyer's preference
        self.assertEqual(fapiao.seller_tax_id, self.SELLER_USCC)
        self.assertEqual(fapiao.buyer_tax_id, self.buyer.vat)
        apple = fapiao.line_ids.filtered(lambda ln: ln.product_id == self.product_apple)
        self.assertEqual(apple.item_name, "*水果*富士苹果")
        self.assertEqual(apple.tax_code, "1010115010100000000")
        self.assertEqual((apple.amount, apple.tax_rate, apple.tax_amount), (30.3, 0.09, 2.73))
        self.assertEqual(fapiao.amount_total, move.amount_total)
        self.assertEqual(move.fapiao_state, "draft")
        # preparing again opens the same fapiao instead of creating a second one
        self.assertEqual(move.action_prepare_fapiao()["res_id"], fapiao.id)

    def test_a_draft_is_named_in_the_users_language(self):
        """Until it has a number, a fapiao is named by its kind of document and its id, in
        the words of the user who prepared it (the whole name, not half of it)."""
        self.env.ref("base.lang_zh_CN").active = True
        names = {}
        for lang in ("zh_CN", "en_US"):
            clerk = new_role_user(
                self.env, f"namer_{lang}", self.company, "tax_gateway.group_fapiao_user", lang=lang
            )
            move = self.make_invoice().with_user(clerk).with_context(lang=lang)
            _move, fapiao = self.prepare(move)
            names[lang] = (fapiao.name, fapiao.id)  # read, and so computed, by the test's user
        self.assertEqual(names["zh_CN"][0], f"数电票（草稿 #{names['zh_CN'][1]}）")
        self.assertEqual(names["en_US"][0], f"Fapiao (draft #{names['en_US'][1]})")

    def test_submit_and_issue_freezes_invoice(self):
        move, fapiao = self.prepare()
        fapiao.action_submit()
        self.assertEqual(fapiao.state, "to_issue")
        self.assertTrue(fapiao.order_no)
        key = fapiao.order_no
        fapiao._mark_issued(NUMBER, "2026-11-20 10:00:00", serial="S1")
        fapiao._mark_issued(NUMBER, "2026-11-20 10:00:00", serial="S1")  # idempotent
        self.assertEqual((fapiao.state, fapiao.order_no, move.fapiao), ("issued", key, NUMBER))
        self.assertEqual(move.fapiao_state, "issued")
        self.assertFalse(move.show_reset_to_draft_button)
        with self.assertRaises(UserError):
            move.button_draft()
        with self.assertRaises(UserError):
            move.button_cancel()
        with self.assertRaises(UserError):
            fapiao.unlink()
        with self.assertRaises(UserError):
            fapiao.write({"buyer_name": "changed"})
        line = fapiao.line_ids[0]
        with self.assertRaises(UserError):
            line.tax_amount = 0.0
        with self.assertRaises(UserError):
            line.unlink()
        with self.assertRaises(UserError):
            self.env["tax.fapiao.line"].create(
                {
                    "fapiao_id": fapiao.id,
                    "name": "extra",
                    "amount": 1.0,
                    "tax_rate": 0.09,
                    "tax_amount": 0.09,
                }
            )
        self.assertEqual(len(fapiao.line_ids), 1)
        with self.assertRaises(ValidationError):
            fapiao._mark_issued("26312000000000000002", "2026-11-20 10:00:00")
        self.assertEqual(move.state, "posted")

    def test_electronic_fapiao_never_voided(self):
        _move, fapiao = self.prepare()
        fapiao.action_submit()
        fapiao._mark_issued(NUMBER, "2026-11-20 10:00:00")
        with self.assertRaises(UserError):
            fapiao.action_void()
        self.assertEqual(fapiao.state, "issued")

    def test_special_fapiao_refusals(self):
        person = self.env["res.partner"].create(
            {
                "name": "张三",
                "fapiao_natural_person": True,
                "fapiao_id_number": "11010519491231002X",
            }
        )
        _move, fapiao = self.prepare(self.make_invoice(partner=person))
        self.assertTrue(fapiao.buyer_natural_person)
        fapiao.kind = "81"
        with self.assertRaisesRegex(UserError, "natural person"):
            fapiao.action_submit()
        self.assertEqual(fapiao.state, "draft")
        fapiao.kind = "82"
        fapiao.action_submit()
        self.assertEqual(fapiao.state, "to_issue")

    def test_exempt_line_never_on_special(self):
        exempt = self.env["account.tax"].create(
            {
                "name": "免税",
                "amount": 0.0,
                "type_tax_use": "sale",
                "company_id": self.company.id,
            }
        )
        cabbage = self._create_product(
            name="白菜",
            taxes_id=[Command.set(exempt.ids)],
            tax_classification_id=self.code_apple.id,
        )
        _move, fapiao = self.prepare(
            self.make_invoice([(self.product_apple, 1.0, 10.0), (cabbage, 5.0, 2.0)])
        )
        self.assertEqual(fapiao.line_ids[1].policy_flag, "03")
        with self.assertRaisesRegex(UserError, "Line 2"):
            fapiao.action_submit()
        self.assertEqual(fapiao.state, "draft")

    def test_line_tax_error_names_the_line(self):
        _move, fapiao = self.prepare(
            self.make_invoice([(self.product_apple, 1.0, 10.0), (self.product_car, 1.0, 100.0)])
        )
        fapiao.line_ids[1].tax_amount = 13.07
        with self.assertRaisesRegex(UserError, "Line 2"):
            fapiao.action_submit()
        self.assertEqual(fapiao.state, "draft")

    def test_missing_tax_code_and_invalid_buyer(self):
        _move, fapiao = self.prepare()
        fapiao.line_ids.tax_code_id = False
        with self.assertRaisesRegex(UserError, "tax classification"):
            fapiao.action_submit()
        with self.assertRaises(ValidationError):
            self.buyer.vat = "91310000MA1FL00010"  # wrong check character

    def test_number_validation(self):
        _move, fapiao = self.prepare()
        fapiao.action_submit()
        with self.assertRaises(ValidationError):
            fapiao._mark_issued("1234", "2026-11-20 10:00:00")
        move = self.make_invoice()
        move.fapiao = "12345678"  # legacy 8-digit numbers stay valid
        with self.assertRaises(ValidationError):
            move.fapiao = "123456789"

    def test_only_issuers_issue_and_other_company_hidden(self):
        _move, fapiao = self.prepare()
        clerk = self.env["res.users"].create(
            {
                "name": "Clerk",
                "login": "fapiao_clerk",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [Command.set([self.env.ref("tax_gateway.group_fapiao_user").id])],
            }
        )
        with self.assertRaisesRegex(UserError, "Fapiao Issuer"):
            fapiao.with_user(clerk).action_submit()
        outsider = self.env["res.users"].create(
            {
                "name": "Outsider",
                "login": "fapiao_outsider",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [Command.set([self.env.ref("base.group_user").id])],
            }
        )
        with self.assertRaises(AccessError):
            fapiao.with_user(outsider).read(["number"])
        other = self.setup_other_company(name="Other Co")["company"]
        other_user = self.env["res.users"].create(
            {
                "name": "Other",
                "login": "fapiao_other",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
                "groups_id": [Command.set([self.env.ref("tax_gateway.group_fapiao_manager").id])],
            }
        )
        self.assertFalse(
            self.env["tax.fapiao"].with_user(other_user).search([("id", "=", fapiao.id)])
        )

    def test_errors_speak_the_users_language(self):
        self.env.ref("base.lang_zh_CN").active = True
        _move, fapiao = self.prepare()
        fapiao.line_ids.tax_code_id = False
        with self.assertRaisesRegex(UserError, "第 1 行（富士苹果）没有税收分类编码"):
            fapiao.with_context(lang="zh_CN").action_submit()
        with self.assertRaisesRegex(ValidationError, "统一社会信用代码 .* 的校验码错误"):
            self.buyer.with_context(lang="zh_CN").vat = "91310000MA1FL00010"
        self.assertEqual(fapiao.state, "draft")

    def test_demo_fapiao_are_ready_to_issue(self):
        company = self.env.ref("base.demo_company_cn", raise_if_not_found=False)
        if not company or not self.env.ref("tax_gateway.demo_partner_buyer", False):
            self.skipTest("installed without demo data")
        # reason: the demo company is not among the test user's companies
        fapiao = (
            self.env["tax.fapiao"]
            .sudo()
            # the demo's two customers (fruit_invoice's demo adds fapiao of its own customers)
            .search(
                [
                    ("company_id", "=", company.id),
                    ("move_id.move_type", "=", "out_invoice"),
                    (
                        "move_id.partner_id",
                        "in",
                        [
                            self.env.ref("tax_gateway.demo_partner_buyer").id,
                            self.env.ref("tax_gateway.demo_partner_person").id,
                        ],
                    ),
                ]
            )
        )
        self.assertEqual(len(fapiao), 2)
        self.assertEqual(set(fapiao.mapped("kind")), {"81", "82"})
        for record in fapiao:
            record._check_before_issue()
            self.assertTrue(all(record.line_ids.mapped("tax_code_id")))
