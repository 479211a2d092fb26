"""Invoices from sales orders, split by batch, tax treatment and face-value limit."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import FruitCommon


@tagged("post_install", "-at_install")
class TestFruitSplitting(FruitCommon):
    def test_one_invoice_per_batch_adding_up_to_the_order(self):
        order = self.order([(30, 12.5), (7.5, 13.2)])
        l1, l2, l3 = self.lots
        self.deliver(order, [[(l1, 10), (l2, 20)], [(l3, 7.5)]])
        invoices = order._create_invoices()
        self.assertEqual(len(invoices), 3)
        lots = [inv.invoice_line_ids.fruit_lot_ids for inv in invoices]
        self.assertEqual(sorted(lot.name for lot in lots), sorted(self.lots.mapped("name")))
        self.assertEqual(sum(invoices.mapped("amount_total")), order.amount_total)
        self.assertEqual(sorted(invoices.invoice_line_ids.mapped("quantity")), [7.5, 10.0, 20.0])
        batch = self.env["fruit.invoice.batch"].search([("order_ids", "in", order.ids)])
        self.assertEqual(batch.move_ids, invoices)
        self.assertEqual(batch.lot_ids, self.lots)
        self.assertEqual((batch.user_id, batch.line_count), (self.env.user, 2))
        self.assertEqual(batch.amount_total, order.amount_total)
        self.assertEqual(order.invoice_status, "invoiced")
        # the fapiao prepared from a split invoice carries that invoice's lines only
        invoices.action_post()
        fapiao = self.env["tax.fapiao"].browse(invoices[0].action_prepare_fapiao()["res_id"])
        self.assertEqual(fapiao.amount_total, invoices[0].amount_total)

    def test_face_value_limit(self):
        self.company.write({"fruit_face_value_limit": 1000.0, "fruit_split_by_lot": False})
        order = self.order([(60, 12.5), (40, 12.5), (20, 12.5)])
        l1 = self.lots[0]
        self.deliver(order, [[(l1, 60)], [(l1, 40)], [(l1, 20)]])
        invoices = order._create_invoices()
        self.assertEqual([inv.amount_untaxed for inv in invoices.sorted("id")], [750.0, 750.0])
        self.assertTrue(all(inv.amount_untaxed <= 1000.0 for inv in invoices))
        self.assertEqual(sum(invoices.mapped("amount_total")), order.amount_total)

    def test_a_line_alone_over_the_limit_is_refused_and_nothing_is_invoiced(self):
        self.company.fruit_face_value_limit = 600.0
        order = self.order([(60, 12.5)])
        self.deliver(order, [[(self.lots[0], 60)]])
        with self.assertRaisesRegex(UserError, "above the face-value limit of 600"):
            order._create_invoices()
        self.assertFalse(order.invoice_ids)
        self.assertFalse(self.env["fruit.invoice.batch"].search([("order_ids", "in", order.ids)]))

    def test_lot_tracked_goods_are_invoiced_only_with_their_batch(self):
        order = self.order([(10, 12.5)], policy="order")
        with self.assertRaisesRegex(UserError, "Deliver the goods with their batch"):
            order._create_invoices()
        self.assertFalse(order.invoice_ids)

    def test_an_order_is_never_invoiced_twice(self):
        order = self.order([(30, 12.5)])
        l1, l2, _l3 = self.lots
        self.deliver(order, [[(l1, 10), (l2, 20)]])
        first = order._create_invoices()
        self.assertEqual(len(first), 2)
        with self.assertRaises(UserError):  # nothing left to invoice: never twice
            order._create_invoices()
        self.assertEqual(order.invoice_ids, first)
