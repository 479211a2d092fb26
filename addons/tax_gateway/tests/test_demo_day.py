"""The demo's working day, played against a sandbox of its own as `make demo` plays it."""

import sqlite3
import tempfile

from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..sandbox.testing import SandboxProcess
from .common import SandboxRequestsMixin


@tagged("post_install", "-at_install")
class TestDemoWorkingDay(SandboxRequestsMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wholesaler = cls.env.ref("base.demo_company_cn", raise_if_not_found=False)
        if not cls.wholesaler or not cls.env.ref(
            "tax_gateway.demo_user_issuer", raise_if_not_found=False
        ):
            cls.skipTest(cls, "demo data not installed")
        cls.sandbox = SandboxProcess(tempfile.mkdtemp(prefix="fapiao-sandbox-")).start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.providers = cls.env["tax.gateway.provider"].search([])
        cls.providers.write(
            {
                "base_url": cls.sandbox.url,
                "ca_bundle": cls.sandbox.ca,
                "document_cert_path": cls.sandbox.signing_key,
                "read_timeout": 3.0,
                "max_attempts": 2,
            }
        )
        # Nuonuo's tokens come from their own path; Baiwang's from its router
        cls.providers.filtered(lambda p: p.dialect == "nuonuo").token_url = cls.sandbox.token_url

    def platform_rows(self, sql):
        with sqlite3.connect(self.sandbox.data_dir / "sandbox.sqlite3") as db:
            return db.execute(sql).fetchall()

    def test_a_working_day_of_both_trades(self):
        Fapiao = self.env["tax.fapiao"]
        with mute_logger(
            "odoo.addons.tax_gateway.models.tax_gateway_provider",
            "odoo.addons.tax_gateway.models.tax_gateway_provider_health",
            "fapiao_core.client",
        ):
            self.assertTrue(self.env["tax.gateway.demo"]._play_working_day(self.sandbox))
        company = self.wholesaler
        issued = Fapiao.search(
            [("direction", "=", "blue"), ("state", "in", ("issued", "partially_reversed"))]
        )
        kinds = set(issued.mapped("kind"))
        self.assertLessEqual({"81", "82"}, kinds)
        if "fruit_invoice" in self.env.registry._init_modules:
            self.assertIn("agri", kinds)  # the 农产品收购发票 of the grower's apples
        # issued by the demo's 开票员, each once at the platform
        issuer = self.env.ref("tax_gateway.demo_user_issuer")
        self.assertIn(issuer, issued.filtered(lambda f: f.company_id == company).submitted_by_id)
        # what the platform issued is what Odoo knows it issued, number for number (a test
        # of concurrent red letters leaves a committed fapiao numbered without a platform)
        demo_companies = self.providers.company_id
        numbers = {number for (number,) in self.platform_rows("SELECT number FROM invoices")}
        known = Fapiao.search(
            [
                ("number", "!=", False),
                ("platform_serial", "!=", False),
                ("company_id", "in", demo_companies.ids),
            ]
        )
        self.assertEqual(numbers, set(known.mapped("number")))
        # the 普票 went out through an outage: offline, back online, issued once
        person = issued.filtered(
            lambda f: f.partner_id == self.env.ref("tax_gateway.demo_partner_person")
        )
        self.assertEqual(person.kind, "82")
        provider = self.env["tax.gateway.provider"]._for_company(company)
        self.assertEqual(provider.state, "online")
        notes = " ".join(provider.message_ids.mapped("body"))
        self.assertIn("平台离线", notes)  # posted in the zh_CN of the demo users
        self.assertIn("平台已恢复在线", notes)
        stats = self.env["tax.gateway.request.stats"].search([("provider_id", "=", provider.id)])
        self.assertGreater(sum(stats.mapped("failed")), 0)
        # the 财务经理 took part of the 专票 back: a red letter issued, the credit note posted
        blue = issued.filtered(lambda f: f.kind == "81" and f.company_id == company)
        self.assertEqual(blue.state, "partially_reversed")
        red = Fapiao.search([("origin_fapiao_id", "=", blue.id), ("direction", "=", "red")])
        self.assertEqual(red.state, "issued")
        self.assertEqual(red.move_id.state, "posted")
        self.assertLess(blue.amount_reversed, blue.amount_total)
        # the credit line used this month, as the platform says at the end of the day (it
        # counts the 专票 issued after the outage's 普票, at least)
        self.assertGreaterEqual(provider.credit_used, person.amount_untaxed + blue.amount_untaxed)
        if "fruit_invoice" in self.env.registry._init_modules:
            # a form the buyer raised at the bureau waits for our answer
            waiting = self.env["tax.red.form"].search(
                [("initiator", "=", "buyer"), ("company_id", "=", company.id)]
            )
            self.assertEqual(waiting.bureau_state, "03")
            self.assertTrue(waiting.activity_ids)
        if "vehicle_invoice" in self.env.registry._init_modules:
            dealer = self.env.ref("vehicle_invoice.demo_company_dealer")
            deal = Fapiao.search([("company_id", "=", dealer.id), ("direction", "=", "blue")])
            self.assertEqual(set(deal.mapped("state")), {"issued"})
            self.assertTrue(deal.filtered("vehicle_lot_id"))
            # two platforms in one database: the dealer on Baiwang, the wholesaler on Nuonuo
            # (what the platform issued: another test may leave a fapiao numbered without one)
            self.assertEqual(set(deal.mapped("dialect")), {"baiwang"})
            sent = issued.filtered(lambda f: f.company_id == company and f.platform_serial)
            self.assertTrue(sent)
            self.assertEqual(set(sent.mapped("dialect")), {"nuonuo"})
            held = self.env["account.move"].search(
                [("company_id", "=", dealer.id), ("vehicle_risk_state", "=", "locked")]
            )
            self.assertEqual(len(held), 1)
            self.assertFalse(held.fapiao_ids)
        # the dashboard draws the day: what was issued, blue and red, and the outage's errors
        manager = self.env.ref("tax_gateway.demo_user_manager")
        stats = self.env["tax.gateway.request.stats"].with_user(manager)
        data = stats.with_context(allowed_company_ids=company.ids).get_dashboard_data(days=1)
        wholesale = known.filtered(lambda f: f.company_id == company)
        self.assertEqual(
            data["issued"]["blue"], [len(wholesale.filtered(lambda f: f.direction == "blue"))]
        )
        self.assertGreaterEqual(data["issued"]["red"][0], 1)
        (wholesaler,) = (p for p in data["platforms"] if p["id"] == provider.id)
        self.assertGreater(wholesaler["error_rate"][0], 0)
        self.assertEqual(wholesaler["credit_used"], provider.credit_used)
        # played once: the next start of `make demo` changes nothing
        count = Fapiao.search_count([])
        self.assertFalse(self.env["tax.gateway.demo"]._play_working_day(self.sandbox))
        self.assertEqual(Fapiao.search_count([]), count)
