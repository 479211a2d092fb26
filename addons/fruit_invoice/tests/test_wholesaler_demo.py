"""The demo wholesaler end to end: its week of business, the automatic T+1 fapiao of what was
paid, and a Chromium tour from a delivered order to its issued fapiao over HTTPS."""

import io
import tempfile
from datetime import timedelta
from decimal import Decimal

from PyPDF2 import PdfReader

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from odoo.addons.tax_gateway.sandbox.testing import SandboxProcess
from odoo.addons.tax_gateway.tests.common import SandboxRequestsMixin, run_queued_jobs
from odoo.addons.tax_gateway.tests.test_report import flat


@tagged("post_install", "-at_install")
class TestWholesalerDemo(SandboxRequestsMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.demo_company_cn", raise_if_not_found=False)
        if not cls.company or not cls.company.fruit_split_invoices:
            cls.skipTest(cls, "demo data not installed")
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.customers = cls.env["res.partner"].search(
            [
                (
                    "name",
                    "in",
                    ("上海果品贸易有限公司", "杭州鲜丰超市有限公司", "南京果缘餐饮管理有限公司"),
                ),
            ]
        )
        cls.orders = cls.env["sale.order"].search(
            [("company_id", "=", cls.company.id), ("partner_id", "in", cls.customers.ids)],
            order="date_order, id",
        )

    def sandbox(self):
        sandbox = SandboxProcess(tempfile.mkdtemp(prefix="fapiao-sandbox-")).start()
        self.addCleanup(sandbox.stop)
        self.env["tax.gateway.provider"].search([("company_id", "=", self.company.id)]).write(
            {
                "base_url": sandbox.url,
                "ca_bundle": sandbox.ca,
                "document_cert_path": sandbox.signing_key,
                "app_key": sandbox.APP_KEY,
                "app_secret": sandbox.APP_SECRET,
            }
        )
        return sandbox

    def test_a_week_of_business(self):
        pre = self.orders.filtered(
            lambda o: "preinvoice" in o.invoice_ids.mapped("fruit_invoicing")
        )
        self.assertEqual(len(self.orders - pre), 21)  # 7 days × 3 customers
        invoiced = self.orders.filtered(lambda o: o.invoice_status == "invoiced")
        self.assertEqual(len(invoiced), 15)  # the last two days wait for the accountant
        self.assertEqual(
            set((self.orders - invoiced - pre).mapped("invoice_status")), {"to invoice"}
        )
        # tomorrow's pears, half pre-invoiced before they leave, the fapiao waiting for finance
        self.assertEqual(pre.order_line.fruit_qty_preinvoiced_to_deliver, 100)
        self.assertEqual(pre.invoice_ids.fruit_preinvoice_state, "to_deliver")
        self.assertEqual(pre.invoice_ids.fapiao_ids.fruit_approval_reason, "preinvoice")
        batches = self.env["fruit.invoice.batch"].search([("order_ids", "in", invoiced.ids)])
        self.assertEqual(len(batches), 5)
        for batch in batches:
            # one invoice per customer and batch (lot), adding up to the orders to the cent
            ordered = sum(Decimal(str(a)) for a in batch.order_ids.mapped("amount_total"))
            self.assertEqual(Decimal(str(batch.amount_total)), ordered)
            self.assertTrue(all(line.fruit_lot_ids for line in batch.move_ids.invoice_line_ids))
            self.assertGreater(len(batch.move_ids), len(batch.order_ids))
        lots = invoiced.invoice_ids.invoice_line_ids.fruit_lot_ids
        self.assertTrue(all(lots.mapped("fruit_origin")) and all(lots.mapped("fruit_grade")))
        farm = self.env["tax.fapiao"].search(
            [("company_id", "=", self.company.id), ("kind", "=", "agri")]
        )
        self.assertEqual((len(farm), farm.state), (1, "draft"))

    def test_batch_invoicing_analysis_and_summary(self):
        rows = self.env["fruit.batch.invoice.report"].search([("company_id", "=", self.company.id)])
        posted = self.orders.invoice_ids.filtered(lambda m: m.state == "posted")
        self.assertEqual(
            sum(Decimal(str(a)) for a in rows.mapped("amount_total")),
            sum(Decimal(str(a)) for a in posted.mapped("amount_total")),
        )
        # tomorrow's pre-invoiced pears have no batch until they leave
        waiting = rows.filtered(lambda r: not r.lot_id)
        self.assertTrue(waiting and all(waiting.mapped("fruit_preinvoice")))
        lot = rows.lot_id[0]
        batch_rows = rows.filtered(lambda r: r.lot_id == lot)
        self.assertEqual(batch_rows.lot_id.fruit_origin, lot.fruit_origin)
        groups = self.env["fruit.batch.invoice.report"].read_group(
            [("id", "in", rows.ids)], ["amount_total:sum"], ["lot_id"]
        )
        self.assertEqual(len(groups), len(rows.lot_id) + 1)
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("fruit_invoice.action_report_fruit_batch_invoicing", batch_rows.ids)
        )
        self.assertEqual(kind, "pdf")
        text = flat("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
        total = sum(Decimal(str(a)) for a in batch_rows.mapped("amount_total"))
        self.assertIn(flat(lot.name), text)
        self.assertIn(flat(batch_rows.partner_id[0].name), text)
        self.assertIn(f"{total:,.2f}", text)

    def test_paid_invoices_get_their_fapiao_on_their_own_the_next_day(self):
        self.sandbox()
        supermarket = self.customers.filtered(lambda p: p.fruit_fapiao_policy == "after_payment")
        paid = self.orders.invoice_ids.filtered(
            lambda m: m.partner_id == supermarket and m.payment_state in ("paid", "in_payment")
        )
        self.assertTrue(paid)
        self.assertFalse(paid.fapiao_ids)
        tomorrow = fields.Date.context_today(self.env.user) + timedelta(days=1)
        self.env["account.move"]._cron_fruit_auto_fapiao(today=tomorrow)
        run_queued_jobs(self.env, paid.fapiao_ids)
        self.assertEqual(set(paid.mapped("fapiao_state")), {"issued"})
        unpaid = self.orders.invoice_ids.filtered(lambda m: m.payment_state == "not_paid")
        self.assertFalse(unpaid.fapiao_ids.filtered(lambda f: f.state != "draft"))

    def test_tour_from_a_delivered_order_to_its_issued_fapiao(self):
        self.sandbox()
        self.env.ref("base.user_admin").write(
            {
                "company_ids": [Command.link(self.company.id)],
                "company_id": self.company.id,
                "groups_id": [Command.link(self.env.ref("tax_gateway.group_fapiao_issuer").id)],
            }
        )
        order = self.orders.filtered(lambda o: o.invoice_status == "to invoice")[0]
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "fruit_invoice_sale_to_fapiao",
            login="admin",
        )
        invoices = order.invoice_ids
        self.assertEqual(len(invoices), 2)  # two lines from two batches
        self.assertEqual(sum(invoices.mapped("amount_total")), order.amount_total)
        fapiao = invoices.fapiao_ids
        self.assertEqual((len(fapiao), fapiao.state), (1, "to_issue"))
        run_queued_jobs(self.env, fapiao)
        self.assertEqual(fapiao.state, "issued")
        self.assertEqual(len(fapiao.number), 20)

    def test_tour_pre_invoice_before_delivery(self):
        """A salesman pre-invoices part of an order that has not left the warehouse."""
        self.env.ref("base.user_admin").write(
            {"company_ids": [Command.link(self.company.id)], "company_id": self.company.id}
        )
        pears = self.env["product.product"].search(
            [("name", "=", "砀山酥梨"), ("company_id", "=", self.company.id)]
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customers[0].id,
                "company_id": self.company.id,
                "order_line": [
                    Command.create({"product_id": pears.id, "product_uom_qty": 90, "price_unit": 6})
                ],
            }
        )
        order.action_confirm()
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "fruit_invoice_pre_invoice",
            login="admin",
        )
        invoice = order.invoice_ids
        self.assertEqual(invoice.invoice_line_ids.quantity, 40)
        self.assertEqual(invoice.amount_total, 261.6)  # 240.00 + 9 %
        self.assertEqual(invoice.fruit_preinvoice_state, "to_deliver")
        self.assertEqual(order.order_line.qty_to_invoice, 0)
