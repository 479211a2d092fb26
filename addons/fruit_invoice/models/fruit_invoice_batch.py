from odoo import fields, models


class FruitInvoiceBatch(models.Model):
    """One run of invoicing: who split which orders into which invoices, and when."""

    _name = "fruit.invoice.batch"
    _description = "Invoicing Batch"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True, default="/")
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users", string="Operator", readonly=True, default=lambda self: self.env.user
    )
    date = fields.Datetime(readonly=True, default=fields.Datetime.now)
    order_ids = fields.Many2many("sale.order", string="Orders", readonly=True)
    move_ids = fields.Many2many("account.move", string="Invoices", readonly=True)
    lot_ids = fields.Many2many("stock.lot", string="Batches", readonly=True)
    line_count = fields.Integer(string="Order Lines", readonly=True)
    invoice_count = fields.Integer(compute="_compute_invoice_count", string="Invoices Created")
    amount_total = fields.Monetary(readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")

    def _compute_invoice_count(self):
        for batch in self:
            batch.invoice_count = len(batch.move_ids)

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", self.move_ids.ids)]
        return action
