"""Updating the tax code table from a file: a report first, then the import behind the password."""

import base64

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import FapiaoCommon, WebClientMixin

CSV = (
    "税收分类编码,商品和服务名称,简称,税率\n"
    "1010115010100000000,苹果,水果,9%\n"  # unchanged
    "1010101010000000000,稻谷,谷物,9\n"  # changed: short name and rate
    "1010115019999999999,新品种水果,水果,0.09\n"  # added
    "10101150,短编码,,\n"  # refused
    "1010115019999999998,,,\n"  # refused
).encode()


@tagged("post_install", "-at_install")
class TestTaxCodeImport(WebClientMixin, FapiaoCommon, HttpCase):
    def wizard(self, content=CSV, name="codes.csv", user=None):
        env = self.env(user=user) if user else self.env
        return env["tax.classification.import"].create(
            {"file": base64.b64encode(content), "filename": name}
        )

    def codes(self, *codes):
        return self.env["tax.classification"].search([("code", "in", codes)])

    def test_check_reports_and_changes_nothing(self):
        count = self.env["tax.classification"].search_count([])
        wizard = self.wizard()
        wizard.action_check()
        self.assertEqual(
            (wizard.added_count, wizard.changed_count, wizard.unchanged_count),
            (1, 1, 1),
        )
        self.assertEqual(wizard.refused_count, 2)
        self.assertIn("10101150", wizard.report)
        self.assertIn("must have 19 digits", wizard.report)
        self.assertIn("has no name", wizard.report)
        self.assertIn("谷物", wizard.report)
        self.assertEqual(self.env["tax.classification"].search_count([]), count)
        self.assertFalse(self.codes("1010101010000000000").short_name)

    def test_import_goes_through_the_identity_check(self):
        wizard = self.wizard(user=self.manager)
        wizard.action_check()
        self.authenticate(self.manager.login, self.manager.login)
        action = self.click(wizard, "action_import")
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        self.assertFalse(self.codes("1010115019999999999"))
        self.answer(action["res_id"], self.manager.login)
        added = self.codes("1010115019999999999")
        self.assertEqual(
            (added.name, added.short_name, added.default_rate), ("新品种水果", "水果", 0.09)
        )
        rice = self.codes("1010101010000000000")
        self.assertEqual((rice.name, rice.short_name, rice.default_rate), ("稻谷", "谷物", 0.09))
        wizard.invalidate_recordset()
        self.assertEqual(wizard.state, "done")
        # the same file again: nothing left to add or change
        again = self.wizard()
        again.action_check()
        self.assertEqual((again.added_count, again.changed_count, again.unchanged_count), (0, 0, 3))

    def test_refusals(self):
        with self.assertRaisesRegex(UserError, "No header row"):
            self.wizard(b"a,b\n1,2\n").action_check()
        with self.assertRaisesRegex(UserError, "cannot be read"):
            self.wizard(b"not a workbook", "codes.xlsx").action_check()
        clerk = self.env["res.users"].create(
            {
                "name": "开票员",
                "login": "clerk_tax_import",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "groups_id": [(6, 0, [self.env.ref("tax_gateway.group_fapiao_issuer").id])],
            }
        )
        with self.assertRaises(AccessError):
            self.wizard(user=clerk)
        # outside the web client (no request) the import is refused by Odoo's identity check
        with self.assertRaises(UserError), mute_logger("odoo.http"):
            self.wizard().action_import()
        self.assertFalse(self.codes("1010115019999999999"))
