"""Two clerks invoice the same order at the same moment, in transactions of their own."""

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestConcurrentInvoicing(TransactionCase):
    def committed_order(self, product, customer, policy, price):
        """A confirmed order of 100 of a new product, committed: each clerk's transaction sees
        it. Returns the order, the registry and the context of the demo wholesaler."""
        company = self.env.ref("base.demo_company_cn", raise_if_not_found=False)
        if not company or not company.fruit_split_invoices:
            self.skipTest("demo data not installed")
        registry = self.env.registry
        context = {"allowed_company_ids": [company.id], "lang": "en_US"}
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            tax = (
                env["account.chart.template"].with_company(company).ref("l10n_cn_sales_excluded_9")
            )
            fruit = env["product.product"].create(
                {
                    "name": product,
                    "type": "consu",
                    "invoice_policy": policy,
                    "company_id": company.id,
                    "taxes_id": [Command.set(tax.ids)],
                    "tax_classification_id": env["tax.classification"]
                    .search([("code", "=", "1010115010500000000")])
                    .id,
                }
            )
            order = env["sale.order"].create(
                {
                    "partner_id": env["res.partner"].create({"name": customer}).id,
                    "company_id": company.id,
                    "order_line": [
                        Command.create(
                            {"product_id": fruit.id, "product_uom_qty": 100, "price_unit": price}
                        )
                    ],
                }
            )
            order.action_confirm()
        return order, registry, context

    def test_an_order_is_never_invoiced_twice(self):
        order, registry, context = self.committed_order(
            "并发测试香蕉", "并发测试客户", "order", 6.5
        )
        with registry.cursor() as cr1, registry.cursor() as cr2:
            clerk1 = api.Environment(cr1, SUPERUSER_ID, context)
            clerk2 = api.Environment(cr2, SUPERUSER_ID, context)
            cr2.execute("SELECT 1 FROM sale_order LIMIT 1")  # clerk 2's snapshot starts here
            clerk1["sale.order"].browse(order.id)._create_invoices()
            cr1.commit()
            # clerk 2's snapshot still sees 100 to invoice; its invoice is made, but writing
            # the order lines' invoiced quantities (at the latest when the request ends)
            # collides with clerk 1's: PostgreSQL refuses the whole transaction
            with self.assertRaises(SerializationFailure), mute_logger("odoo.sql_db"):
                clerk2["sale.order"].browse(order.id)._create_invoices()
                clerk2.flush_all()
            cr2.rollback()
            clerk2.invalidate_all()
            # Odoo retries the request: nothing is left to invoice
            with self.assertRaises(UserError):
                clerk2["sale.order"].browse(order.id)._create_invoices()
            cr2.rollback()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            invoiced = env["sale.order"].browse(order.id).invoice_ids
            self.assertEqual(len(invoiced), 1)
            self.assertEqual(invoiced.invoice_line_ids.quantity, 100)

    def test_two_clerks_never_pre_invoice_the_same_goods(self):
        order, registry, context = self.committed_order(
            "预开票并发测试荔枝", "预开票并发客户", "delivery", 30
        )

        def wizard(env, quantity):
            wiz = (
                env["fruit.partial.invoice"]
                .with_context(active_id=order.id)
                .create({"mode": "preinvoice"})
            )
            wiz.line_ids.quantity = quantity
            return wiz

        with registry.cursor() as cr1, registry.cursor() as cr2:
            clerk1 = api.Environment(cr1, SUPERUSER_ID, context)
            clerk2 = api.Environment(cr2, SUPERUSER_ID, context)
            first, second = wizard(clerk1, 70), wizard(clerk2, 70)  # both see 100 available
            first.action_create_invoices()
            cr1.commit()
            # the order line is locked before the quantities are checked again
            with self.assertRaises(SerializationFailure), mute_logger("odoo.sql_db"):
                second.action_create_invoices()
            cr2.rollback()
            clerk2.invalidate_all()
            # Odoo retries the request: only 30 are left before delivery
            with self.assertRaisesRegex(UserError, "70.0 is more than the 30.0"):
                wizard(clerk2, 70).action_create_invoices()
            cr2.rollback()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            line = env["sale.order"].browse(order.id).order_line
            self.assertEqual((line.qty_invoiced, line.fruit_qty_preinvoiced), (70, 70))
