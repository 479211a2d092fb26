"""Sensitive actions clicked in the web client go through Odoo's identity check (password)."""

from odoo import Command
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import FapiaoCommon, WebClientMixin

NUMBER = "26312000000000000077"


@tagged("post_install", "-at_install")
class TestIdentityCheck(WebClientMixin, FapiaoCommon, HttpCase):
    def issued_fapiao(self, lines=None):
        move = self.make_invoice(lines)
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        return fapiao

    def test_red_letter_asks_for_the_password(self):
        fapiao = self.issued_fapiao()
        fapiao._submit()
        fapiao._mark_issued(NUMBER, "2026-11-20 10:00:00", serial="S77")
        form = self.env["tax.red.form"].create(
            {
                "fapiao_id": fapiao.id,
                "line_ids": [
                    Command.create(
                        {
                            "blue_line_id": fapiao.line_ids.id,
                            "quantity": 10,
                            "amount": 125.0,
                            "tax_amount": 11.25,
                        }
                    )
                ],
            }
        )
        self.authenticate(self.manager.login, self.manager.login)
        action = self.click(form, "action_submit")
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        self.assertEqual(form.state, "draft")
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self.answer(action["res_id"], "wrong password")
        self.assertEqual(form.state, "draft")
        self.answer(action["res_id"], self.manager.login)
        form.invalidate_recordset()
        self.assertEqual(form.state, "applying")

    def test_issuing_above_the_threshold_asks_for_the_password(self):
        self.company.fapiao_identity_check_amount = 1000.0
        small = self.issued_fapiao([(self.product_apple, 10.0, 12.5)])
        big = self.issued_fapiao([(self.product_apple, 100.0, 12.5)])
        self.authenticate(self.manager.login, self.manager.login)
        self.assertFalse(self.click(small, "action_submit"))  # no dialog: done at once
        small.invalidate_recordset()
        self.assertEqual(small.state, "to_issue")
        action = self.click(big, "action_submit")
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        big.invalidate_recordset()
        self.assertEqual(big.state, "draft")
        self.answer(action["res_id"], self.manager.login)
        big.invalidate_recordset()
        self.assertEqual(big.state, "to_issue")

    def test_platform_configuration_needs_the_password(self):
        provider = self.env["tax.gateway.provider"].create(
            {"name": "诺诺", "company_id": self.company.id, "base_url": "https://127.0.0.1:1"}
        )
        self.authenticate(self.manager.login, self.manager.login)
        with self.assertRaises(JsonRpcException) as refused, mute_logger("odoo.http"):
            self.save(provider, {"base_url": "https://attacker.example"})
        self.assertEqual(str(refused.exception), "odoo.exceptions.UserError")
        provider.invalidate_recordset()
        self.assertEqual(provider.base_url, "https://127.0.0.1:1")
        # what the connector writes itself is not configuration
        self.click(provider, "action_test_connection")
        provider.invalidate_recordset()
        self.assertTrue(provider.last_check)
        action = self.click(provider, "action_unlock_config")
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self.answer(action["res_id"], "wrong password")
        self.answer(action["res_id"], self.manager.login)
        self.save(provider, {"base_url": "https://127.0.0.1:2"})
        provider.invalidate_recordset()
        self.assertEqual(provider.base_url, "https://127.0.0.1:2")

    def test_fapiao_settings_need_the_password(self):
        self.manager.groups_id = [Command.link(self.env.ref("base.group_system").id)]
        self.company.fapiao_identity_check_amount = 100000.0
        bank = self.company.fapiao_bank_account
        self.authenticate(self.manager.login, self.manager.login)
        # saving the screen with the fapiao settings unchanged asks nothing
        unchanged = self.save(
            None, {"fapiao_identity_check_amount": 100000.0}, model="res.config.settings"
        )
        unchanged = self.env["res.config.settings"].browse(unchanged[0]["id"])
        self.assertFalse(unchanged.fapiao_pending_config)
        self.assertNotEqual(
            (self.click(unchanged, "execute") or {}).get("res_model"), "res.users.identitycheck"
        )
        settings = self.save(
            None,
            {"fapiao_identity_check_amount": 1.0, "fapiao_bank_account": "工商银行 123"},
            model="res.config.settings",
        )
        self.company.invalidate_recordset()
        self.assertEqual(self.company.fapiao_identity_check_amount, 100000.0)
        self.assertEqual(self.company.fapiao_bank_account, bank)
        record = self.env["res.config.settings"].browse(settings[0]["id"])
        action = self.click(record, "execute")
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        self.company.invalidate_recordset()
        self.assertEqual(self.company.fapiao_identity_check_amount, 100000.0)
        self.answer(action["res_id"], self.manager.login)
        self.company.invalidate_recordset()
        self.assertEqual(self.company.fapiao_identity_check_amount, 1.0)
        self.assertEqual(self.company.fapiao_bank_account, "工商银行 123")
