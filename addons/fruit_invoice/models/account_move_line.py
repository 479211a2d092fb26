from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    fruit_lot_ids = fields.Many2many(
        "stock.lot",
        "account_move_line_fruit_lot_rel",
        "move_line_id",
        "lot_id",
        string="Batches",
        copy=True,
        help="Batches (lots) the invoiced goods were delivered from: one when the line was "
        "split by batch.",
    )
    fruit_preinvoice = fields.Boolean(
        string="Pre-invoiced",
        readonly=True,
        copy=True,
        help="Goods invoiced before they left the warehouse (预开票): the deliveries are matched "
        "with this line when they leave.",
    )
    fruit_preinvoice_delivered = fields.Float(
        string="Delivered since",
        digits="Product Unit of Measure",
        readonly=True,
        copy=False,
        help="How much of this pre-invoiced quantity has left the warehouse since.",
    )
