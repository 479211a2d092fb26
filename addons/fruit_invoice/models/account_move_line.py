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
