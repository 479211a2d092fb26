from odoo import Command
from odoo.tests import tagged

from odoo.addons.tax_gateway.tests.common import FapiaoCommon, I18nCompleteCase


@tagged("post_install", "-at_install")
class TestSaleOrderFapiao(FapiaoCommon):
    def test_smart_button_lists_the_fapiao_of_every_invoice(self):
        # invoiced as delivered, delivered quantities entered by hand: two invoices, one order
        service = self._create_product(
            name="冷链配送服务",
            type="service",
            invoice_policy="delivery",
            lst_price=12.5,
            taxes_id=[Command.set(self.tax_9.ids)],
            tax_classification_id=self.code_apple.id,
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.buyer.id,
                "company_id": self.company.id,
                "order_line": [
                    Command.create(
                        {"product_id": service.id, "product_uom_qty": 10, "price_unit": 12.5}
                    )
                ],
            }
        )
        order.action_confirm()
        self.assertEqual(order.fapiao_count, 0)
        order.order_line.qty_delivered = 4
        first = order._create_invoices()
        first.action_post()
        first.action_prepare_fapiao()
        order.order_line.qty_delivered = 10
        second = order._create_invoices()
        second.action_post()
        second.action_prepare_fapiao()
        order.invalidate_recordset()
        self.assertEqual(order.fapiao_count, 2)
        self.assertEqual(order.fapiao_ids, (first | second).fapiao_ids)
        action = order.action_view_fapiao()
        self.assertEqual(action["res_model"], "tax.fapiao")
        self.assertEqual(action["domain"], [("id", "in", order.fapiao_ids.ids)])
        other = self.env["sale.order"].create({"partner_id": self.buyer.id})
        self.assertEqual(other.fapiao_count, 0)


@tagged("post_install", "-at_install")
class TestConsistencyReport(FapiaoCommon):
    def order(self, *quantities):
        self.product_apple.invoice_policy = "order"
        order = self.env["sale.order"].create(
            {
                "partner_id": self.buyer.id,
                "company_id": self.company.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product_apple.id,
                            "product_uom_qty": qty,
                            "price_unit": 12.5,
                            "tax_id": [Command.set(self.tax_9.ids)],
                        }
                    )
                    for qty in quantities
                ],
            }
        )
        order.action_confirm()
        return order

    def row(self, order):
        self.env.flush_all()
        self.env.invalidate_all()  # a SQL view: read it again
        return self.env["tax.fapiao.consistency"].search([("order_id", "=", order.id)])

    def test_orders_invoices_and_fapiao_side_by_side(self):
        agreed, late = self.order(100, 40), self.order(10)
        fapiao = self.env["tax.fapiao"]
        for order in agreed + late:
            move = order._create_invoices()
            move.action_post()
            move.action_prepare_fapiao()
            fapiao |= move.fapiao_ids
        fapiao[0]._mark_issued("26312000000000000901", "2026-11-20 10:00:00", serial="C901")
        # 140 × 12.50 = 1,750.00 + 9 % = 1,907.50 everywhere: nothing to show
        row = self.row(agreed)
        self.assertEqual(
            (row.amount_ordered, row.amount_invoiced, row.amount_fapiao), (1907.5, 1907.5, 1907.5)
        )
        self.assertFalse(row.invoice_mismatch or row.fapiao_mismatch)
        # invoiced, fapiao not issued yet: shown, by the invoiced amount
        row = self.row(late)
        self.assertEqual((row.amount_invoiced, row.amount_fapiao), (136.25, 0.0))
        self.assertEqual((row.fapiao_mismatch, row.gap_fapiao), (True, -136.25))
        differences = self.env["tax.fapiao.consistency"].search(
            ["|", ("invoice_mismatch", "=", True), ("fapiao_mismatch", "=", True)]
        )
        self.assertIn(late.id, differences.order_id.ids)
        self.assertNotIn(agreed.id, differences.order_id.ids)
        # a red letter of 40 apples (545.00) without a credit note: the fapiao fall short
        blue = fapiao[0]
        line = blue.line_ids.filtered(lambda ln: ln.quantity == 40)
        red = self.env["tax.fapiao"]._create_prepared(
            dict(
                blue.copy_data()[0],
                direction="red",
                origin_fapiao_id=blue.id,
                line_ids=[
                    Command.create(
                        {
                            "origin_line_id": line.id,
                            "name": line.name,
                            "quantity": -40,
                            "unit_price": 12.5,
                            "amount": -500.0,
                            "tax_rate": 0.09,
                            "tax_amount": -45.0,
                        }
                    )
                ],
            )
        )
        red._mark_issued("26312000000000000902", "2026-11-21 10:00:00", serial="C902")
        row = self.row(agreed)
        self.assertEqual((row.amount_fapiao, row.gap_fapiao), (1362.5, -545.0))
        self.assertTrue(row.fapiao_mismatch)


@tagged("post_install", "-at_install")
class TestI18n(I18nCompleteCase):
    module = "tax_gateway_sale"
