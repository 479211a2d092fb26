"""Sensitive actions clicked in the web client go through Odoo's identity check (password)."""

import base64
import os
import time

from odoo import Command, http
from odoo.service import security
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from odoo.addons.auth_totp.models.totp import TIMESTEP, hotp

from .common import FapiaoCommon, WebClientMixin, new_role_user

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

    def test_the_invoice_s_issue_button_asks_for_the_password_above_the_threshold(self):
        self.company.fapiao_identity_check_amount = 1000.0
        big = self.make_invoice([(self.product_apple, 100.0, 12.5)])
        self.authenticate(self.manager.login, self.manager.login)
        action = self.click(big, "action_issue_fapiao")
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        big.invalidate_recordset()
        self.assertEqual(big.fapiao_ids.state, "draft")  # prepared, not sent
        self.answer(action["res_id"], self.manager.login)
        big.invalidate_recordset()
        self.assertEqual(big.fapiao_ids.state, "to_issue")
        small = self.make_invoice([(self.product_apple, 10.0, 12.5)])
        action = self.click(small, "action_issue_fapiao")  # below: at once
        self.assertEqual(action["tag"], "display_notification")
        small.invalidate_recordset()
        self.assertEqual(small.fapiao_ids.state, "to_issue")

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

    def test_back_online_by_hand_needs_a_manager_and_the_password(self):
        provider = self.env["tax.gateway.provider"].create(
            {"name": "诺诺", "company_id": self.company.id, "base_url": "https://127.0.0.1:1"}
        )
        with self.assertLogs(
            "odoo.addons.tax_gateway.models.tax_gateway_provider_health", "WARNING"
        ):
            provider._go_offline(("unreachable", 3))
        issuer = new_role_user(self.env, "back_online_issuer", self.company)
        self.authenticate(issuer.login, issuer.login)
        with self.assertRaises(JsonRpcException) as refused, mute_logger("odoo.http"):
            self.click(provider, "action_back_online")
        self.assertEqual(str(refused.exception), "odoo.exceptions.UserError")
        self.authenticate(self.manager.login, self.manager.login)
        action = self.click(provider, "action_back_online")
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        provider.invalidate_recordset()
        self.assertEqual(provider.state, "offline")
        self.answer(action["res_id"], self.manager.login)
        provider.invalidate_recordset()
        self.assertEqual(provider.state, "online")
        entry = (
            self.env["tax.gateway.audit"]
            .sudo()
            .search(
                [
                    ("res_model", "=", provider._name),
                    ("res_id", "=", provider.id),
                    ("action", "=", "back_online"),
                ]
            )
        )
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.user_id, self.manager)
        self.assertIn("unreachable", entry.detail)
        # the chatter names who put it back (in the manager's language)
        self.assertTrue(provider.message_ids.filtered(lambda m: self.manager.name in m.body))

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


@tagged("post_install", "-at_install")
class TestSecondFactor(WebClientMixin, FapiaoCommon, HttpCase):
    """二次验证: where the company requires it, issuers and managers use Odoo's two-factor
    authentication, and the identity check of the sensitive actions asks for the code."""

    def enable_totp(self, user):
        """The user turned two-factor authentication on and logged in with it (the test's
        session is made as if the code had been given at login)."""
        self.authenticate(user.login, user.login)
        secret = base64.b32encode(os.urandom(20)).decode()
        user.sudo().totp_secret = secret
        self.env.flush_all()
        self.session.session_token = security.compute_session_token(self.session, self.env)
        http.root.session_store.save(self.session)
        return secret

    def draft(self, lines):
        move = self.make_invoice(lines)
        return self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])

    def test_the_policy_follows_the_platform_s_environment_by_default(self):
        self.assertEqual(self.company.fapiao_second_factor, "production")
        provider = self.env["tax.gateway.provider"].create(
            {"name": "诺诺", "company_id": self.company.id}
        )
        self.assertFalse(self.company._fapiao_second_factor_required())
        provider.environment = "production"
        self.assertTrue(self.company._fapiao_second_factor_required())
        self.company.fapiao_second_factor = "never"
        self.assertFalse(self.company._fapiao_second_factor_required())

    def test_issuing_needs_two_factor_and_the_code_in_the_identity_check(self):
        self.company.fapiao_second_factor = "always"
        self.company.fapiao_identity_check_amount = 1000.0
        small = self.draft([(self.product_apple, 10.0, 12.5)])
        big = self.draft([(self.product_apple, 100.0, 12.5)])
        self.authenticate(self.manager.login, self.manager.login)
        with self.assertRaises(JsonRpcException) as refused, mute_logger("odoo.http"):
            self.click(small, "action_submit")
        self.assertEqual(str(refused.exception), "odoo.exceptions.UserError")
        small.invalidate_recordset()
        self.assertEqual(small.state, "draft")
        # the manager turns on two-factor authentication
        secret = self.enable_totp(self.manager)
        self.assertFalse(self.click(small, "action_submit"))  # below the threshold: at once
        small.invalidate_recordset()
        self.assertEqual(small.state, "to_issue")
        action = self.click(big, "action_submit")
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        wizard = (
            self.env["res.users.identitycheck"].with_user(self.manager).browse(action["res_id"])
        )
        self.assertTrue(wizard.fapiao_totp_needed)
        now = hotp(base64.b32decode(secret), int(time.time() / TIMESTEP))
        for code in ("", "12 34 56" if now != 123456 else "65 43 21", "abcdef"):
            with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
                self.answer(action["res_id"], self.manager.login, code)
            big.invalidate_recordset()
            self.assertEqual(big.state, "draft")
        self.answer(action["res_id"], self.manager.login, f"{now:06d}")
        big.invalidate_recordset()
        self.assertEqual(big.state, "to_issue")

    def test_without_the_requirement_the_password_is_enough(self):
        self.company.fapiao_second_factor = "never"
        self.company.fapiao_identity_check_amount = 1000.0
        big = self.draft([(self.product_apple, 100.0, 12.5)])
        self.enable_totp(self.manager)
        action = self.click(big, "action_submit")
        wizard = (
            self.env["res.users.identitycheck"].with_user(self.manager).browse(action["res_id"])
        )
        self.assertFalse(wizard.fapiao_totp_needed)
        self.answer(action["res_id"], self.manager.login)
        big.invalidate_recordset()
        self.assertEqual(big.state, "to_issue")
