"""/tax_gateway/metrics over real HTTP: behind its token, in Prometheus's format, with the
connector's real figures; the alert on a platform answering HTTP 5xx."""

import datetime
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import config, mute_logger

from ..models.tax_gateway_workflow import in_transition
from .common import FapiaoCommon


@tagged("post_install", "-at_install")
class TestMetrics(FapiaoCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.env["tax.gateway.provider"].create(
            {"name": "诺诺", "company_id": cls.company.id, "base_url": "https://127.0.0.1:9"}
        )

    def scrape(self, token="s3cret-token", configured="s3cret-token"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with patch.dict(config.options, {"fapiao_metrics_token": configured}):
            return self.url_open("/tax_gateway/metrics", headers=headers)

    def log_calls(self, statuses, duration_ms=120.0):
        Log = self.env["tax.gateway.request.log"].sudo()  # the connector writes it
        Log.create(
            [
                {
                    "provider_id": self.provider.id,
                    "company_id": self.company.id,
                    "method": "requestBillingNew",
                    "duration_ms": duration_ms,
                    "http_status": status,
                    "code": "E0000" if status == 200 else "HTTP",
                }
                for status in statuses
            ]
        )
        Log.flush_model()

    def samples(self, text):
        from prometheus_client.parser import text_string_to_metric_families

        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    def test_the_token_guards_the_metrics(self):
        self.assertEqual(self.scrape(configured=False).status_code, 404)
        for token in (None, "wrong"):
            answer = self.scrape(token=token)
            self.assertEqual(answer.status_code, 401)
            self.assertNotIn("fapiao_", answer.text)
        self.assertEqual(self.scrape().status_code, 200)

    def test_the_connector_s_figures(self):
        self.log_calls([200] * 7 + [502] * 3, duration_ms=300.0)
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        fapiao._submit()
        with in_transition():
            fapiao.submitted_at = fields.Datetime.now() - datetime.timedelta(minutes=10)
        failed = self.env["tax.fapiao"].browse(
            self.make_invoice().action_prepare_fapiao()["res_id"]
        )
        failed._submit()
        with in_transition():
            failed.state = "failed"
        self.provider.write(
            {
                "credit_available": 5000.0,
                "credit_checked_at": fields.Datetime.now(),
                "state": "offline",
            }
        )
        answer = self.scrape()
        self.assertEqual(answer.status_code, 200)
        self.assertTrue(answer.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        got = self.samples(answer.text)
        base = (("company", self.company.name), ("provider", "诺诺"))
        window = (("window", "3600"),)
        self.assertEqual(got[("fapiao_platform_online", base)], 0.0)
        self.assertEqual(got[("fapiao_credit_line_available_yuan", base)], 5000.0)
        self.assertEqual(got[("fapiao_platform_calls", tuple(sorted(base + window)))], 10)
        self.assertAlmostEqual(
            got[("fapiao_platform_http_5xx_ratio", tuple(sorted(base + window)))], 0.3
        )
        hist = tuple(sorted(base + window + (("method", "requestBillingNew"),)))
        self.assertEqual(got[("fapiao_platform_call_duration_seconds_count", hist)], 10)
        self.assertAlmostEqual(got[("fapiao_platform_call_duration_seconds_sum", hist)], 3.0)
        le = lambda bound: tuple(sorted(hist + (("le", bound),)))  # noqa: E731
        self.assertEqual(got[("fapiao_platform_call_duration_seconds_bucket", le("0.25"))], 0)
        self.assertEqual(got[("fapiao_platform_call_duration_seconds_bucket", le("0.5"))], 10)
        company = (("company", self.company.name),)
        self.assertEqual(got[("fapiao_queue_depth", company + (("state", "to_issue"),))], 1)
        self.assertEqual(got[("fapiao_queue_depth", company + (("state", "failed"),))], 1)
        self.assertGreaterEqual(got[("fapiao_oldest_waiting_seconds", company)], 600)
        self.assertEqual(got[("fapiao_issue_success_ratio", company + window)], 0.0)
        self.assertGreaterEqual(got[("fapiao_jobs", (("state", "pending"),))], 1)

    @mute_logger("odoo.addons.tax_gateway.models.tax_gateway_metrics")  # the alert's warning
    def test_an_activity_when_5xx_reach_half_a_percent(self):
        Metrics = self.env["tax.gateway.metrics"].sudo()  # the cron's user
        self.log_calls([200] * 400)
        Metrics._cron_alert_5xx()
        self.assertFalse(self.provider.activity_ids)
        self.log_calls([503] * 2)  # 2 of 402: 0.497 %
        Metrics._cron_alert_5xx()
        self.assertFalse(self.provider.activity_ids)
        self.log_calls([500])  # 3 of 403: 0.74 %
        Metrics._cron_alert_5xx()
        self.assertEqual(len(self.provider.activity_ids), 1)
        self.assertIn("3 of 403", self.provider.activity_ids.note)
        Metrics._cron_alert_5xx()  # one open at a time
        self.assertEqual(len(self.provider.activity_ids), 1)
        # calls older than the window do not count
        self.provider.activity_ids.unlink()
        self.env.cr.execute(
            "UPDATE tax_gateway_request_log SET create_date = now() - interval '2 hours'"
        )
        Metrics._cron_alert_5xx()
        self.assertFalse(self.provider.activity_ids)

    def test_the_zh_guides_are_served_from_the_menu(self):
        for xmlid in ("tax_gateway.action_guide_finance", "tax_gateway.action_guide_it"):
            answer = self.url_open(self.env.ref(xmlid).url)
            self.assertEqual(answer.status_code, 200, xmlid)
            self.assertIn("数电票", answer.text)
