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
class TestI18n(I18nCompleteCase):
    module = "tax_gateway_sale"
