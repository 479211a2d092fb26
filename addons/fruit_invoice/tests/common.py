"""Shared set-up of the fruit tests."""

from odoo import Command

from odoo.addons.tax_gateway.tests.common import FapiaoCommon, run_queued_jobs


class FruitCommon(FapiaoCommon):
    """A lot-tracked apple with three batches in stock; orders, deliveries."""

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
        """Deliver each order line from the given (lot, quantity) pairs; less than ordered
        leaves a backorder."""
        picking = order.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel") and not p.return_id
        )
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
        picking.with_context(skip_backorder=True).button_validate()
        self.assertEqual(picking.state, "done")

    def issue(self, invoices):
        invoices.action_post()
        for invoice in invoices:
            fapiao = self.env["tax.fapiao"].browse(invoice.action_prepare_fapiao()["res_id"])
            fapiao._submit()
            run_queued_jobs(self.env, fapiao)
            self.assertEqual(fapiao.state, "issued")
        return invoices.fapiao_ids
