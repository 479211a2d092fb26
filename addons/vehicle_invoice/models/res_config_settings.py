from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    vehicle_split_strategy = fields.Selection(
        related="company_id.vehicle_split_strategy", readonly=False
    )
