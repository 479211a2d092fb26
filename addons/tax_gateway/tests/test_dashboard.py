"""Platform dashboard: daily calls, success and error rates, p50/p95 latency per provider."""

import datetime
import statistics

from odoo.tests import tagged

from .common import FapiaoCommon, new_role_user


@tagged("post_install", "-at_install")
class TestPlatformDashboard(FapiaoCommon):
    def test_daily_rates_and_percentiles(self):
        provider = self.env["tax.gateway.provider"].create(
            {"name": "诺诺", "company_id": self.company.id}
        )
        durations = [float(ms) for ms in range(10, 210, 10)]  # 20 calls: 10 ... 200 ms
        codes = ["E0000"] * 16 + ["E9306", "TIMEOUT", "HTTP_503", "E9999"]
        self.env["tax.gateway.request.log"].sudo().create(
            [
                {
                    "provider_id": provider.id,
                    "company_id": self.company.id,
                    "method": "nuonuo.OpeMplatform.requestBillingNew",
                    "duration_ms": ms,
                    "http_status": 503 if code == "HTTP_503" else 200,
                    "code": code,
                }
                for ms, code in zip(durations, codes, strict=True)
            ]
        )
        self.env.flush_all()
        (row,) = self.env["tax.gateway.request.stats"].search([("provider_id", "=", provider.id)])
        self.assertEqual((row.calls, row.succeeded, row.refused, row.failed), (20, 16, 1, 3))
        self.assertEqual((row.success_rate, row.error_rate), (80.0, 15.0))
        # PostgreSQL's percentile_cont interpolates linearly, like Python's "inclusive" method
        quantiles = statistics.quantiles(durations, n=100, method="inclusive")
        self.assertAlmostEqual(row.p50_ms, statistics.median(durations))
        self.assertAlmostEqual(row.p95_ms, quantiles[94])
        # another company's manager sees nothing of it
        other = self.env["res.company"].create({"name": "其他公司"})
        outsider = self.env["res.users"].create(
            {
                "name": "outsider",
                "login": "outsider_dashboard",
                "company_id": other.id,
                "company_ids": [(6, 0, other.ids)],
                "groups_id": [(6, 0, [self.env.ref("tax_gateway.group_fapiao_manager").id])],
            }
        )
        self.assertFalse(
            self.env["tax.gateway.request.stats"]
            .with_user(outsider)
            .search([("provider_id", "=", provider.id)])
        )

    def test_dashboard_figures(self):
        """What the dashboard draws: per day the fapiao issued and each platform's rates and
        p95, and its credit line; another company's platform is not shown."""
        provider = self.env["tax.gateway.provider"].create(
            {"name": "诺诺", "company_id": self.company.id}
        )
        other = self.env["res.company"].create({"name": "其他公司"})
        self.env["tax.gateway.provider"].create({"name": "百望", "company_id": other.id})
        self.env["tax.gateway.request.log"].sudo().create(
            [
                {
                    "provider_id": provider.id,
                    "company_id": self.company.id,
                    "method": "nuonuo.OpeMplatform.requestBillingNew",
                    "duration_ms": ms,
                    "http_status": 200,
                    "code": code,
                }
                for ms, code in ((100.0, "E0000"), (300.0, "E0000"), (200.0, "TIMEOUT"))
            ]
        )
        self.env.flush_all()
        manager = new_role_user(
            self.env, "dash_manager", self.company, "tax_gateway.group_fapiao_manager"
        )
        stats = self.env["tax.gateway.request.stats"].with_user(manager)
        data = stats.get_dashboard_data(days=7)
        self.assertEqual(len(data["days"]), 7)
        china = datetime.timezone(datetime.timedelta(hours=8))
        self.assertEqual(data["days"][-1], str(datetime.datetime.now(china).date()))
        self.assertEqual(data["issued"], {"blue": [0] * 7, "red": [0] * 7})
        (platform,) = (p for p in data["platforms"] if p["id"] == provider.id)
        self.assertEqual(platform["calls"], [0] * 6 + [3])
        self.assertEqual(platform["success_rate"][-1], 66.67)
        self.assertEqual(platform["error_rate"][-1], 33.33)
        self.assertEqual(platform["success_rate"][:6], [None] * 6)
        self.assertAlmostEqual(platform["p95_ms"][-1], 290.0)
        self.assertNotIn("百望", [p["name"] for p in data["platforms"]])
