from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    fapiao_ids = fields.Many2many(
        "tax.fapiao",
        compute="_compute_fapiao_ids",
        groups="tax_gateway.group_fapiao_user",
        help="Fapiao of the order's invoices and credit notes, blue and red.",
    )
    fapiao_count = fields.Integer(
        compute="_compute_fapiao_ids", groups="tax_gateway.group_fapiao_user"
    )

    @api.depends("invoice_ids.fapiao_ids")
    def _compute_fapiao_ids(self):
        for order in self:
            order.fapiao_ids = order.invoice_ids.fapiao_ids
            order.fapiao_count = len(order.fapiao_ids)

    def action_view_fapiao(self):
        self.ensure_one()
        return self.invoice_ids.action_view_fapiao(self.fapiao_ids)
