"""The demo dealer end to end: its data, then a Chromium tour from a delivered vehicle sale to
fapiao issued by the sandbox platform over HTTPS."""

import tempfile

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.tax_gateway.sandbox.testing import SandboxProcess
from odoo.addons.tax_gateway.tests.common import SandboxRequestsMixin, run_queued_jobs


@tagged("post_install", "-at_install")
class TestDealerDemo(SandboxRequestsMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dealer = cls.env.ref("vehicle_invoice.demo_company_dealer", raise_if_not_found=False)
        if not cls.dealer:
            cls.skipTest(cls, "demo data not installed")
        cls.orders = cls.env["sale.order"].search([("company_id", "=", cls.dealer.id)], order="id")

    def test_demo_shows_a_deal_at_each_step(self):
        invoiced, delivered, quotation = self.orders
        self.assertEqual(quotation.state, "draft")
        self.assertEqual((delivered.state, delivered.invoice_status), ("sale", "to invoice"))
        fapiao = invoiced.invoice_ids.fapiao_ids
        self.assertEqual(len(fapiao), 3)  # the SUV; mats and film together; the plates
        self.assertEqual(set(fapiao.mapped("state")), {"draft"})
        car = fapiao.filtered("vehicle_lot_id")
        self.assertEqual(car.kind, "81")  # a company asked for 专票: 一车一票
        self.assertIn("一车一票", car.remark)
        self.assertEqual(sum(fapiao.mapped("amount_total")), invoiced.amount_total)
        lots = self.env["stock.lot"].search([("company_id", "=", self.dealer.id)])
        self.assertEqual(len(lots), 6)
        self.assertFalse(any(lots.mapped("vin_warning")))  # valid check digits
        self.assertEqual(
            len(self.env["vehicle.risk.rule"].search([("company_id", "=", self.dealer.id)])), 3
        )

    def test_a_user_per_role_who_can_log_in(self):
        """The users `make demo` prints, each with the groups of their role, in zh_CN."""
        roles = {
            "vehicle_invoice.demo_user_dealer_sales": ("guwen", "sales_team.group_sale_salesman"),
            "vehicle_invoice.demo_user_dealer_issuer": (
                "dealer_kaipiao",
                "tax_gateway.group_fapiao_issuer",
            ),
            "vehicle_invoice.demo_user_dealer_manager": (
                "dealer_caiwu",
                "tax_gateway.group_fapiao_manager",
            ),
            "tax_gateway.demo_user_issuer": ("kaipiao", "tax_gateway.group_fapiao_issuer"),
            "tax_gateway.demo_user_manager": ("caiwu", "tax_gateway.group_fapiao_manager"),
            "fruit_invoice.demo_user_sales": ("xiaoshou", "sales_team.group_sale_salesman"),
        }
        for xmlid, (login, group) in roles.items():
            user = self.env.ref(xmlid)
            self.assertEqual(user.login, login)
            self.assertTrue(user.has_group(group), xmlid)
            self.assertEqual(user.lang, "zh_CN")
            self.authenticate(login, login)
        self.assertFalse(
            self.env.ref("vehicle_invoice.demo_user_dealer_sales").has_group(
                "tax_gateway.group_fapiao_user"
            )
        )
        self.assertEqual(
            self.env.ref("vehicle_invoice.demo_user_dealer_issuer").company_id, self.dealer
        )

    def test_tour_from_a_vehicle_sale_to_its_issued_fapiao(self):
        sandbox = SandboxProcess(tempfile.mkdtemp(prefix="fapiao-sandbox-")).start()
        self.addCleanup(sandbox.stop)
        provider = self.env["tax.gateway.provider"].search([("company_id", "=", self.dealer.id)])
        provider.write(
            {
                "base_url": sandbox.url,
                "ca_bundle": sandbox.ca,
                "document_cert_path": sandbox.signing_key,
                "app_key": sandbox.APP_KEY,
                "app_secret": sandbox.APP_SECRET,
            }
        )
        self.env.ref("base.user_admin").write(
            {
                "company_ids": [Command.link(self.dealer.id)],
                "company_id": self.dealer.id,
                "groups_id": [Command.link(self.env.ref("tax_gateway.group_fapiao_issuer").id)],
            }
        )
        order = self.orders[1]
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "vehicle_invoice_sale_to_fapiao",
            login="admin",
        )
        fapiao = order.invoice_ids.fapiao_ids
        self.assertEqual(len(fapiao), 3)  # the car, the recorder, the first service
        self.assertEqual(set(fapiao.mapped("state")), {"to_issue"})
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(set(fapiao.mapped("state")), {"issued"})
        car = fapiao.filtered("vehicle_lot_id")
        self.assertEqual((car.kind, car.amount_total), ("83", 115000.0))
        self.assertEqual(len(set(fapiao.mapped("number"))), 3)
        self.assertEqual(order.invoice_ids.fapiao_state, "issued")


@tagged("post_install", "-at_install")
class TestConcurrentClerks(TransactionCase):
    """Two clerks prepare the fapiao of two invoices of the same order at the same moment, in
    transactions of their own (committed data, real cursors)."""

    def test_the_later_clerk_cannot_invoice_what_the_first_just_did(self):
        dealer = self.env.ref("vehicle_invoice.demo_company_dealer", raise_if_not_found=False)
        if not dealer:
            self.skipTest("demo data not installed")
        registry = self.env.registry
        context = {"allowed_company_ids": [dealer.id], "lang": "en_US"}
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            mats = env["product.product"].search(
                [("company_id", "=", dealer.id), ("name", "=", "全包围脚垫")]
            )
            order = env["sale.order"].create(
                {
                    "partner_id": env["res.partner"].create({"name": "并发测试车主"}).id,
                    "company_id": dealer.id,
                    "order_line": [
                        Command.create(
                            {"product_id": mats.id, "product_uom_qty": 1, "price_unit": 800.0}
                        )
                    ],
                }
            )
            order.action_confirm()
            first = order._create_invoices()
            second = first.copy()
            second.invoice_line_ids.sale_line_ids = order.order_line
            (first + second).action_post()
            # each invoice alone is within the order; both together would double it
        with registry.cursor() as cr1, registry.cursor() as cr2:
            clerk1 = api.Environment(cr1, SUPERUSER_ID, context)
            clerk2 = api.Environment(cr2, SUPERUSER_ID, context)
            cr2.execute("SELECT 1 FROM sale_order LIMIT 1")  # clerk 2's snapshot starts here
            clerk1["account.move"].browse(first.id).action_prepare_fapiao()
            cr1.commit()
            # the snapshot of clerk 2 does not see clerk 1's fapiao: PostgreSQL refuses
            with self.assertRaises(SerializationFailure), mute_logger("odoo.sql_db"):
                clerk2["account.move"].browse(second.id).action_prepare_fapiao()
            cr2.rollback()
            clerk2.invalidate_all()
            # Odoo retries the request: now the first clerk's fapiao counts
            with self.assertRaisesRegex(UserError, "never more invoiced than sold"):
                clerk2["account.move"].browse(second.id).action_prepare_fapiao()
            cr2.rollback()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            self.assertEqual(len(env["account.move"].browse(first.id).fapiao_ids), 1)
            self.assertFalse(env["account.move"].browse(second.id).fapiao_ids)
