"""The platform goes down: fapiao wait locally, nothing is lost or sent twice, the backlog
drains when it is back; long waits alert the managers; waiting fapiao export to XLSX."""

import datetime
import io
import sqlite3

import openpyxl

from odoo import fields
from odoo.tests import tagged

from ..models.tax_gateway_workflow import in_transition
from .common import FapiaoCommon, for_each_dialect, queued_methods, run_queued_jobs


@for_each_dialect
@tagged("post_install", "-at_install")
class TestOffline(FapiaoCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox(max_attempts=2)

    def setUp(self):
        super().setUp()
        self.sandbox.fault("clear")

    def submit(self):
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        fapiao._submit()
        return fapiao

    def platform_invoices(self, order_no):
        with sqlite3.connect(self.sandbox.data_dir / "sandbox.sqlite3") as db:
            return db.execute(
                "SELECT count(*) FROM invoices WHERE order_no = ?", (order_no,)
            ).fetchone()[0]

    def pending_fault_count(self):
        pending = self.sandbox.fault("status")["result"]["pending"]
        return pending[0]["count"] if pending else 0

    def test_offline_then_back_without_loss_or_duplicate(self):
        self.sandbox.fault("5xx", count=50)
        fapiao = self.submit()
        token = self.provider._client().fetch_token()  # the token call is not a service call
        self.assertTrue(token)
        logger = "odoo.addons.tax_gateway.models.tax_gateway_provider_health"
        with self.assertLogs(logger, level="WARNING") as logged:
            run_queued_jobs(self.env, fapiao, rounds=2)
        self.assertIn("offline: unreachable", logged.output[0])
        self.provider.invalidate_recordset()
        self.assertEqual(self.provider.state, "offline")
        self.assertIn("unreachable", self.provider.offline_reason)
        self.assertTrue(fapiao.platform_offline)
        # offline: the job waits without sending anything
        before = self.pending_fault_count()
        run_queued_jobs(self.env, fapiao, rounds=1)
        self.assertEqual(self.pending_fault_count(), before)
        self.assertEqual(fapiao.state, "to_issue")
        self.assertEqual(queued_methods(self.env, fapiao), ["_job_issue"])
        # a probe while the platform still fails keeps it offline
        self.provider.last_probe = False
        self.sandbox.fault("clear")
        self.sandbox.fault("reset", count=5)
        self.provider._cron_heartbeat()
        self.assertEqual(self.provider.state, "offline")
        # the platform is back: the next heartbeat probe reopens and the backlog drains
        self.sandbox.fault("clear")
        self.provider.last_probe = fields.Datetime.now() - datetime.timedelta(minutes=5)
        self.provider._cron_heartbeat()
        self.assertEqual(self.provider.state, "online")
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(fapiao.state, "issued")
        self.assertEqual(self.platform_invoices(fapiao.order_no), 1)

    def test_refusals_do_not_take_the_platform_offline(self):
        self.sandbox.fault("fail_issue", count=4)  # the bureau refuses: status 22
        for _i in range(4):
            fapiao = self.submit()
            run_queued_jobs(self.env, fapiao)
            self.assertEqual(fapiao.state, "failed")
        self.assertEqual(self.provider.state, "online")

    def test_waiting_fapiao_alert_then_escalate(self):
        fapiao = self.submit()
        now = fields.Datetime.now()
        with in_transition():  # as if submitted 23 hours ago
            fapiao.submitted_at = now - datetime.timedelta(hours=23)
        self.assertFalse(self.env["tax.fapiao"]._cron_alert_waiting())
        with in_transition():
            fapiao.submitted_at = now - datetime.timedelta(hours=25)
        self.env["tax.fapiao"]._cron_alert_waiting()
        self.assertEqual(fapiao.alert_level, 1)
        self.assertEqual(
            fapiao.activity_ids.mapped("summary"), ["Fapiao waiting for the platform for 24 hours"]
        )
        self.env["tax.fapiao"]._cron_alert_waiting()  # no second alert
        self.assertEqual(len(fapiao.activity_ids), 1)
        with in_transition():
            fapiao.submitted_at = now - datetime.timedelta(hours=37)
        self.env["tax.fapiao"]._cron_alert_waiting()
        self.assertEqual(fapiao.alert_level, 2)
        self.assertIn("Escalated", fapiao.activity_ids.sorted("id")[-1].summary)

    def test_export_of_waiting_fapiao(self):
        fapiao = self.submit()
        action = self.provider.action_export_pending()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        sheet = openpyxl.load_workbook(io.BytesIO(attachment.raw)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[0][2], "购买方 Buyer")
        self.assertEqual(rows[1][2], fapiao.buyer_name)
        self.assertEqual(rows[1][3], self.buyer.vat)
        self.assertEqual(rows[1][6], fapiao.amount_total)
