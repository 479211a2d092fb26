"""The drawer's session at the tax bureau (登录电子税务局 / 实名认证): the platform's answer that
the drawer must log in holds the fapiao (neither failed nor blindly retried); the login, by SMS
code or QR code, through the platform, releases exactly the waiting fapiao, in order."""

import sqlite3

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import FapiaoCommon, new_role_user, run_queued_jobs


@tagged("post_install", "-at_install")
class TestDrawerSession(FapiaoCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox()

    def sent_to_platform(self):
        with sqlite3.connect(self.sandbox.data_dir / "sandbox.sqlite3") as db:
            return db.execute("SELECT count(*) FROM invoices").fetchone()[0]

    def submit(self):
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        fapiao.action_submit()
        run_queued_jobs(self.env, fapiao)
        return fapiao

    def wizard(self, action):
        self.assertEqual(action["res_model"], "tax.gateway.drawer.login", action)
        return self.env["tax.gateway.drawer.login"].browse(action["res_id"])

    def test_a_logged_out_drawer_holds_the_fapiao_until_the_sms_login(self):
        self.sandbox.drawer("logout")
        first = self.submit()
        self.assertEqual(first.state, "waiting_login")
        self.assertEqual(first.error_code, "SESSION")
        self.assertIn("not logged in", first.error_message)
        self.assertEqual(self.provider.session_state, "login")
        self.assertEqual(first.move_id.fapiao_state, "to_issue")
        # the next one waits without a call to the platform's issuing
        calls = self.env["tax.gateway.request.log"].search_count([])
        second = self.submit()
        self.assertEqual(second.state, "waiting_login")
        self.env["tax.gateway.request.log"].flush_model()
        self.assertEqual(self.env["tax.gateway.request.log"].search_count([]), calls)
        self.assertEqual(self.sent_to_platform(), 0)
        self.assertEqual(self.provider.waiting_login_count, 2)
        # log in by SMS: a wrong code changes nothing
        wizard = self.wizard(first.action_drawer_login())
        self.assertEqual(wizard.purpose, "login")
        wizard.method = "sms"
        wizard.action_send_sms()
        wizard.sms_code = "000000" if self.sandbox.drawer("sms")["sms"] != "000000" else "111111"
        with self.assertRaises(UserError):
            wizard.action_confirm()
        self.assertEqual((first.state, second.state), ("waiting_login", "waiting_login"))
        wizard.sms_code = self.sandbox.drawer("sms")["sms"]
        wizard.action_confirm()
        self.assertEqual(self.provider.session_state, "ok")
        self.assertEqual((first.state, second.state), ("to_issue", "to_issue"))
        self.assertFalse(first.error_code)
        run_queued_jobs(self.env, first | second)
        self.assertEqual((first.state, second.state), ("issued", "issued"))
        self.assertLess(first.number, second.number)  # in their order
        self.assertEqual(self.sent_to_platform(), 2)

    def test_an_identity_check_is_done_by_qr_code(self):
        self.sandbox.drawer("identity_due")
        fapiao = self.submit()
        self.assertEqual(fapiao.state, "waiting_login")
        self.assertIn("identity", fapiao.error_message)
        wizard = self.wizard(self.provider.action_drawer_login())
        self.assertEqual(wizard.purpose, "verify")
        wizard.action_show_qr_code()
        self.assertTrue(wizard.qr_code and wizard.auth_id)
        self.assertIn("/report/barcode/", wizard.qr_image_url)
        self.assertEqual(wizard.scan_app, "税务 APP")
        # the bureau's limit: a new QR code at most once a minute
        with self.assertRaisesRegex(UserError, "once a minute"):
            wizard.action_renew_qr_code()
        with self.assertRaisesRegex(UserError, "not confirmed yet"):
            wizard.action_confirm()  # not scanned yet
        self.sandbox.drawer("scan")
        wizard.action_confirm()
        self.assertEqual(fapiao.state, "to_issue")
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(fapiao.state, "issued")

    def test_a_drawer_logged_in_elsewhere_releases_the_fapiao_at_once(self):
        self.sandbox.drawer("logout")
        fapiao = self.submit()
        self.assertEqual(fapiao.state, "waiting_login")
        wizard = self.wizard(self.provider.action_drawer_login())
        wizard.action_show_qr_code()
        self.sandbox.drawer("scan")  # scanned, but Done was never clicked: the bureau knows
        self.client_logs_in_at_the_platform()
        action = self.provider.action_drawer_login()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(fapiao.state, "to_issue")

    def test_the_heartbeat_notices_a_login_made_elsewhere(self):
        self.sandbox.drawer("logout")
        fapiao = self.submit()
        self.assertEqual(fapiao.state, "waiting_login")
        Provider = self.env["tax.gateway.provider"]
        Provider._cron_heartbeat()  # asked just now: not asked again before the interval
        self.assertEqual(fapiao.state, "waiting_login")
        self.provider._client().session_qr("login")
        self.sandbox.drawer("scan")
        self.client_logs_in_at_the_platform()
        self.provider.session_checked_at = fields.Datetime.subtract(
            fields.Datetime.now(), seconds=self.provider.heartbeat_interval + 1
        )
        Provider._cron_heartbeat()
        self.assertEqual(self.provider.session_state, "ok")
        self.assertEqual(fapiao.state, "to_issue")
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(fapiao.state, "issued")

    def client_logs_in_at_the_platform(self):
        """The drawer finishes the login on the platform's own site."""
        self.provider._client().session_confirm("login")

    def test_only_issuers_log_in(self):
        self.sandbox.drawer("logout")
        clerk = new_role_user(
            self.env, "drawer_clerk", self.company, groups="tax_gateway.group_fapiao_user"
        )
        with self.assertRaises(UserError):
            self.provider.with_user(clerk).action_drawer_login()
        self.assertEqual(self.provider.session_state, "ok")  # nothing asked, nothing changed
