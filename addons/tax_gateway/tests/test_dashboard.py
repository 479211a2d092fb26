"""Platform dashboard: daily calls, success and error rates, p50/p95 latency per provider."""

import statistics

from odoo.tests import tagged

from .common import FapiaoCommon


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
