from odoo import fields, models


class StockLot(models.Model):
    _inherit = "stock.lot"

    fruit_arrival_date = fields.Date(string="Arrival Date", help="到货日期 of the batch.")
    fruit_origin = fields.Char(string="Place of Origin", help="产地, e.g. 新疆阿克苏.")
    fruit_grade = fields.Selection(
        [
            ("special", "Special Grade (特级)"),
            ("first", "First Grade (一级)"),
            ("second", "Second Grade (二级)"),
            ("other", "Ungraded (统货)"),
        ],
        string="Grade",
    )
    fruit_grower_id = fields.Many2one(
        "res.partner", string="Grower", help="The farmer or cooperative the batch came from."
    )
