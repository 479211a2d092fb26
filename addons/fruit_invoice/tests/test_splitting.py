"""Invoices from sales orders, split by batch, tax treatment and face-value limit."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.tax_gateway.tests.common import FapiaoCommon


@tagged("post_install", "-at_install")
class TestFruitSplitting(FapiaoCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= (
            cls.env.ref("stock.group_stock_manager")
            + cls.env.ref("stock.group_production_lot")
            + cls.env.ref("sales_team.group_sale_manager")
        )
        cls.company.write({"fruit_split_invoices": True, "fruit_split_by_lot": True})
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.apple = cls.env["product.product"].create(
            {
                "name": "富士苹果",
                "type": "consu",
                "is_storable": True,
                "tracking": "lot",
                "invoice_policy": "delivery",
                "list_price": 12.5,
                "uom_id": cls.env.ref("uom.product_uom_kgm").id,
                "uom_po_id": cls.env.ref("uom.product_uom_kgm").id,
                "taxes_id": [Command.set(cls.tax_9.ids)],
                "tax_classification_id": cls.code_apple.id,
                "company_id": cls.company.id,
            }
        )
        cls.lots = cls.env["stock.lot"].create(
            [
                {
                    "name": f"2026-11-{day}-烟台",
                    "product_id": cls.apple.id,
                    "company_id": cls.company.id,
                }
                for day in (18, 19, 20)
            ]
        )
        for lot in cls.lots:
            cls.env["stock.quant"]._update_available_quantity(
                cls.apple, cls.warehouse.lot_stock_id, 500, lot_id=lot
            )

    def order(self, lines, policy="delivery"):
        self.apple.invoice_policy = policy
        order = self.env["sale.order"].create(
            {
                "partner_id": self.buyer.id,
                "company_id": self.company.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.apple.id,
                            "product_uom_qty": qty,
                            "price_unit": price,
                            "tax_id": [Command.set(self.tax_9.ids)],
                        }
                    )
                    for qty, price in lines
                ],
            }
        )
        order.action_confirm()
        return order

    def deliver(self, order, lots_by_line):
        """Deliver each order line from the given (lot, quantity) pairs."""
        picking = order.picking_ids
        picking.move_ids.move_line_ids.unlink()
        for sale_line, lots in zip(order.order_line, lots_by_line, strict=True):
            move = picking.move_ids.filtered(lambda m, sl=sale_line: m.sale_line_id == sl)
            for lot, qty in lots:
                self.env["stock.move.line"].create(
                    {
                        "move_id": move.id,
                        "picking_id": picking.id,
                        "product_id": self.apple.id,
                        "lot_id": lot.id,
                        "quantity": qty,
                        "product_uom_id": move.product_uom.id,
                        "location_id": move.location_id.id,
                        "location_dest_id": move.location_dest_id.id,
                    }
                )
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")

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
